package analysiscache

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/elfsyscalls"
)

// copyTiny copies testdata/tiny into a new directory, so that a test can
// edit it, and returns the directory.
func copyTiny(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"go.mod", "main.go"} {
		b, err := os.ReadFile(filepath.Join("testdata", "tiny", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// counting returns an analysis that counts its runs and answers with rep.
func counting(runs *int, rep *analyzer.Report) AnalyzeFunc {
	return func(analyzer.Config, ...string) (*analyzer.Report, error) {
		*runs++
		return rep, nil
	}
}

func newCache(t *testing.T) *Cache {
	return &Cache{Dir: filepath.Join(t.TempDir(), "analysis"), Version: "test-1"}
}

// encoded is the stored form of rep: equal encodings mean equal exported
// content (TestRoundTrip shows the encoding keeps all of it).
func encoded(t *testing.T, rep *analyzer.Report) string {
	t.Helper()
	b, err := json.Marshal(toWire(rep))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func hasSyscall(rep *analyzer.Report, name string) bool {
	for _, p := range rep.Programs {
		if _, ok := p.Need(name); ok {
			return true
		}
	}
	return false
}

// TestRealAnalysis runs the analyzer on a small program through the cache:
// the second run is a hit with the same report; a one-line change that
// adds a syscall misses and the new report has it.
func TestRealAnalysis(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the analysis")
	}
	dir := copyTiny(t)
	c := newCache(t)
	runs := 0
	analyze := c.Wrap(func(cfg analyzer.Config, patterns ...string) (*analyzer.Report, error) {
		runs++
		return analyzer.Analyze(cfg, patterns...)
	})
	cfg := analyzer.Config{GOARCH: "amd64", Dir: dir, NoC: true}
	cold, err := analyze(cfg, ".")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	warm, err := analyze(cfg, ".")
	if err != nil {
		t.Fatal(err)
	}
	if runs != 1 || c.Hits() != 1 {
		t.Fatalf("second run: %d analyses, %d hits; want 1 analysis and a hit", runs, c.Hits())
	}
	t.Logf("warm lookup: %v", time.Since(start))
	if encoded(t, cold) != encoded(t, warm) {
		t.Errorf("the cached report differs from the analysis:\n%s\n%s", encoded(t, cold), encoded(t, warm))
	}
	if hasSyscall(warm, "sync") {
		t.Fatal("the program needs sync before it calls it")
	}

	main := filepath.Join(dir, "main.go")
	src, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	src = bytes.Replace(src, []byte("// another syscall"), []byte("syscall.Sync()"), 1)
	if err := os.WriteFile(main, src, 0o644); err != nil {
		t.Fatal(err)
	}
	changed, err := analyze(cfg, ".")
	if err != nil {
		t.Fatal(err)
	}
	if runs != 2 {
		t.Fatalf("after the change: %d analyses, want 2 (a miss)", runs)
	}
	if !hasSyscall(changed, "sync") {
		t.Errorf("after adding syscall.Sync(), the report lacks sync: %v", changed.Programs[0].Names())
	}
}

// TestKeyInputs shows that each input that decides the analysis misses the
// cache when it changes, and that nothing else does.
func TestKeyInputs(t *testing.T) {
	dir := copyTiny(t)
	base := analyzer.Config{GOARCH: "amd64", Dir: dir}
	rep := &analyzer.Report{Programs: []*analyzer.Program{{PkgPath: "example.com/tiny", GOARCH: "amd64"}}}

	goroot := strings.TrimSpace(string(must(exec.Command("go", "env", "GOROOT").Output())))
	// Another toolchain at another GOROOT: a tree of links to this one.
	otherRoot := filepath.Join(t.TempDir(), "goroot")
	if err := os.Mkdir(otherRoot, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(goroot)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.Symlink(filepath.Join(goroot, e.Name()), filepath.Join(otherRoot, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	// Another go command first on PATH.
	binDir := t.TempDir()
	wrapper := "#!/bin/sh\nexec " + filepath.Join(goroot, "bin", "go") + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(binDir, "go"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		change  func(c *Cache, cfg *analyzer.Config)
		setenv  [][2]string
		edit    func()
		wantHit bool
	}{
		{name: "nothing changed", wantHit: true},
		{name: "other sandboxgen", change: func(c *Cache, _ *analyzer.Config) { c.Version = "test-2" }},
		{name: "GOROOT", setenv: [][2]string{{"GOROOT", otherRoot}}},
		{name: "go command on PATH", setenv: [][2]string{{"PATH", binDir + string(os.PathListSeparator) + os.Getenv("PATH")}}},
		{name: "run by go generate", wantHit: true, setenv: [][2]string{
			{"GOFILE", "main.go"}, {"GOLINE", "3"}, {"GOPACKAGE", "main"}, {"GOROOT", goroot}, {"GOOS", "linux"}, {"GOARCH", runtime.GOARCH},
			{"PATH", filepath.Join(goroot, "bin") + string(os.PathListSeparator) + os.Getenv("PATH")},
			{"SANDBOXGEN_JOBS", "1"},
		}},
		{name: "GOARCH", change: func(_ *Cache, cfg *analyzer.Config) { cfg.GOARCH = "arm64" }},
		{name: "tags", change: func(_ *Cache, cfg *analyzer.Config) { cfg.Tags = []string{"netgo"} }},
		{name: "CGO_ENABLED", setenv: [][2]string{{"CGO_ENABLED", "0"}}},
		{name: "GOFLAGS", setenv: [][2]string{{"GOFLAGS", "-tags=osusergo"}}},
		{name: "Config.Env", change: func(_ *Cache, cfg *analyzer.Config) { cfg.Env = []string{"GOAMD64=v3"} }},
		{name: "call graph", change: func(_ *Cache, cfg *analyzer.Config) { cfg.CallGraph = analyzer.CallGraphCHA }},
		{name: "noprune", change: func(_ *Cache, cfg *analyzer.Config) { cfg.NoPrune = true }},
		{name: "exec child", change: func(_ *Cache, cfg *analyzer.Config) { cfg.ExecChild = true }},
		{name: "cgo reference", change: func(_ *Cache, cfg *analyzer.Config) {
			cfg.CgoFrom = map[string]*analyzer.Program{"example.com/tiny": {Features: analyzer.Features{Cgo: true}}}
		}},
		{name: "generated file emptied by the overlay", wantHit: true, edit: func() {
			if err := os.WriteFile(filepath.Join(dir, "sandbox_linux_amd64.go"), []byte("package main\n\nvar generated = 1\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, change: func(_ *Cache, cfg *analyzer.Config) {
			cfg.Overlay = map[string][]byte{filepath.Join(dir, "sandbox_linux_amd64.go"): []byte("package main\n")}
		}},
		{name: "file the overlay gives code", edit: func() {
			if err := os.WriteFile(filepath.Join(dir, "sandbox_linux_amd64.go"), []byte("package main\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, change: func(_ *Cache, cfg *analyzer.Config) {
			cfg.Overlay = map[string][]byte{filepath.Join(dir, "sandbox_linux_amd64.go"): []byte("package main\n\nfunc init() {}\n")}
		}},
		{name: "new file", edit: func() {
			if err := os.WriteFile(filepath.Join(dir, "extra.go"), []byte("package main\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "comment in main.go", edit: func() {
			f := filepath.Join(dir, "main.go")
			b := must(os.ReadFile(f))
			if err := os.WriteFile(f, append(b, "// edited\n"...), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "go.mod", edit: func() {
			f := filepath.Join(dir, "go.mod")
			if err := os.WriteFile(f, []byte("module example.com/tiny\n\ngo 1.25\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCache(t)
			runs := 0
			analyze := c.Wrap(counting(&runs, rep))
			if _, err := analyze(base, "."); err != nil {
				t.Fatal(err)
			}
			cfg := base
			if tt.change != nil {
				tt.change(c, &cfg)
			}
			for _, kv := range tt.setenv {
				t.Setenv(kv[0], kv[1])
			}
			if tt.edit != nil {
				tt.edit()
			}
			if _, err := analyze(cfg, "."); err != nil {
				t.Fatal(err)
			}
			if hit := runs == 1; hit != tt.wantHit {
				t.Errorf("hit = %v (%d analyses), want %v", hit, runs, tt.wantHit)
			}
			if tt.wantHit && c.Hits() != 1 {
				t.Errorf("Hits() = %d, want 1", c.Hits())
			}
		})
	}
}

// TestLaterReferences: the reference programs of a cross build given
// through Config.CgoFromLater decide a hit as CgoFrom's do, and a cold
// analysis starts before they exist (the host's analysis still runs).
func TestLaterReferences(t *testing.T) {
	dir := copyTiny(t)
	rep := &analyzer.Report{Programs: []*analyzer.Program{{PkgPath: "example.com/tiny", GOARCH: "arm64"}}}
	ref := func(cgo bool) map[string]*analyzer.Program {
		return map[string]*analyzer.Program{"example.com/tiny": {PkgPath: "example.com/tiny", GOARCH: "amd64", Features: analyzer.Features{Cgo: cgo}}}
	}
	c := newCache(t)

	// Cold: the references are asked for only once the analysis has
	// started, and the analysis sees the wrapper's references.
	started := make(chan struct{})
	var gotRefs map[string]*analyzer.Program
	analyze := c.Wrap(func(cfg analyzer.Config, _ ...string) (*analyzer.Report, error) {
		close(started)
		gotRefs = cfg.CgoFromLater()
		return rep, nil
	})
	later := func() map[string]*analyzer.Program {
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Error("the references were asked for before the cold analysis started")
		}
		return ref(true)
	}
	if _, err := analyze(analyzer.Config{GOARCH: "arm64", Dir: dir, CgoFromLater: later}, "."); err != nil {
		t.Fatal(err)
	}
	if gotRefs["example.com/tiny"] == nil || !gotRefs["example.com/tiny"].Features.Cgo {
		t.Fatalf("the analysis got references %v", gotRefs)
	}

	for _, tt := range []struct {
		name    string
		cfg     analyzer.Config
		wantHit bool
	}{
		{"same references, later", analyzer.Config{GOARCH: "arm64", Dir: dir, CgoFromLater: func() map[string]*analyzer.Program { return ref(true) }}, true},
		{"same references, at once", analyzer.Config{GOARCH: "arm64", Dir: dir, CgoFrom: ref(true)}, true},
		{"other references, later", analyzer.Config{GOARCH: "arm64", Dir: dir, CgoFromLater: func() map[string]*analyzer.Program { return ref(false) }}, false},
		{"no references", analyzer.Config{GOARCH: "arm64", Dir: dir}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			runs := 0
			wrapped := c.Wrap(counting(&runs, rep))
			if _, err := wrapped(tt.cfg, "."); err != nil {
				t.Fatal(err)
			}
			if hit := runs == 0; hit != tt.wantHit {
				t.Errorf("hit = %v, want %v", hit, tt.wantHit)
			}
		})
	}
}

// TestCLibraries shows that a report is served only while the C libraries
// its analysis read are the same files.
func TestCLibraries(t *testing.T) {
	dir := copyTiny(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	id, err := elfsyscalls.FileID(exe)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		lib     analyzer.CLibrary
		wantHit bool
	}{
		{"same library", analyzer.CLibrary{Soname: "libtest.so", Path: exe, BuildID: id}, true},
		{"other build ID", analyzer.CLibrary{Soname: "libtest.so", Path: exe, BuildID: "0123"}, false},
		{"gone", analyzer.CLibrary{Soname: "libtest.so", Path: filepath.Join(dir, "missing.so"), BuildID: id}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newCache(t)
			runs := 0
			rep := &analyzer.Report{Programs: []*analyzer.Program{{PkgPath: "example.com/tiny", CLibraries: []analyzer.CLibrary{tt.lib}}}}
			analyze := c.Wrap(counting(&runs, rep))
			cfg := analyzer.Config{GOARCH: "amd64", Dir: dir}
			for range 2 {
				if _, err := analyze(cfg, "."); err != nil {
					t.Fatal(err)
				}
			}
			if hit := runs == 1; hit != tt.wantHit {
				t.Errorf("hit = %v, want %v", hit, tt.wantHit)
			}
		})
	}
}

// TestNotCached: a failed analysis, or packages that do not list, are
// analysed each time.
func TestNotCached(t *testing.T) {
	dir := copyTiny(t)
	c := newCache(t)
	runs := 0
	failing := c.Wrap(func(analyzer.Config, ...string) (*analyzer.Report, error) {
		runs++
		return nil, os.ErrInvalid
	})
	for range 2 {
		if _, err := failing(analyzer.Config{Dir: dir}, "."); err == nil {
			t.Fatal("the error was lost")
		}
	}
	if runs != 2 {
		t.Errorf("a failed analysis was cached: %d runs, want 2", runs)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nimport \"no/such/package\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runs = 0
	analyze := c.Wrap(counting(&runs, &analyzer.Report{}))
	for range 2 {
		if _, err := analyze(analyzer.Config{Dir: dir}, "."); err != nil {
			t.Fatal(err)
		}
	}
	if runs != 2 {
		t.Errorf("packages that do not list were cached: %d runs, want 2", runs)
	}
}

// TestRoundTrip shows that every exported field of a Report survives the
// cache, including the argument rules' actions, whatever fields Program
// grows: the fixture fills every field through reflection.
func TestRoundTrip(t *testing.T) {
	var p analyzer.Program
	fill(reflect.ValueOf(&p).Elem(), 1)
	p.Syscalls[0].Rules = []gen.Rule{
		{Action: gen.Allow, Args: []gen.ArgCond{{Index: 2, Op: gen.OpMaskedEqual, Mask: 3, Value: 1}}},
		{Action: gen.Errno(13)},
		{Action: gen.Trace(7)},
		{},
	}
	in := &analyzer.Report{Programs: []*analyzer.Program{&p, {PkgPath: "empty"}}}
	// The C libraries are checked on read; this test is about the encoding.
	data, err := json.Marshal(toWire(in))
	if err != nil {
		t.Fatal(err)
	}
	var w wireReport
	if err := json.Unmarshal(data, &w); err != nil {
		t.Fatal(err)
	}
	out := fromWire(&w)
	if !reflect.DeepEqual(in, out) {
		a, _ := json.MarshalIndent(in, "", " ")
		b, _ := json.MarshalIndent(out, "", " ")
		t.Errorf("round trip changed the report:\n%s\n%s", a, b)
	}
}

// fill sets every exported field reachable from v to a non-zero value.
func fill(v reflect.Value, n int) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n+i)
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), n+i)
		}
		v.Set(s)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, n)
		fill(e, n)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.String:
		v.SetString("s" + strings.Repeat("x", n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(n))
	}
}

func TestOff(t *testing.T) {
	for _, v := range []string{"off", "0", "false", "OFF"} {
		t.Setenv(EnvVar, v)
		if c := Default(); c != nil {
			t.Errorf("%s=%s: Default() = %+v, want nil (off)", EnvVar, v, c)
		}
	}
	t.Setenv(EnvVar, "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	c := Default()
	if c == nil || !strings.HasPrefix(c.Dir, os.Getenv("XDG_CACHE_HOME")) || c.Version == "" {
		t.Fatalf("Default() = %+v, want a cache under XDG_CACHE_HOME with a version", c)
	}
	if runtime.GOOS == "linux" && !strings.HasPrefix(c.Version, "buildid:") {
		t.Errorf("Version = %q, want the Go build ID of the test binary", c.Version)
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := Clean()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Clean left %s: %v", dir, err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestChangedDuringAnalysis: a file saved while the analysis runs may or
// may not be in its report, so the report is not stored under either key.
func TestChangedDuringAnalysis(t *testing.T) {
	dir := copyTiny(t)
	c := newCache(t)
	runs := 0
	analyze := c.Wrap(func(analyzer.Config, ...string) (*analyzer.Report, error) {
		runs++
		if runs == 1 {
			f := filepath.Join(dir, "main.go")
			if err := os.WriteFile(f, append(must(os.ReadFile(f)), "// saved meanwhile\n"...), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return &analyzer.Report{}, nil
	})
	for range 2 {
		if _, err := analyze(analyzer.Config{Dir: dir}, "."); err != nil {
			t.Fatal(err)
		}
	}
	if runs != 2 {
		t.Errorf("%d analyses, want 2: the report of the first was stored although a file changed under it", runs)
	}
	if _, err := analyze(analyzer.Config{Dir: dir}, "."); err != nil {
		t.Fatal(err)
	}
	if runs != 2 {
		t.Errorf("%d analyses, want 2: the second, undisturbed, report was not stored", runs)
	}
}

// TestCgoBuildFiles: for a cross build (cgo off), a file only a build with
// cgo compiles still decides the analysis (it covers such a build), so
// editing it misses.
func TestCgoBuildFiles(t *testing.T) {
	dir := copyTiny(t)
	cgoFile := filepath.Join(dir, "cgo_only.go")
	if err := os.WriteFile(cgoFile, []byte("//go:build cgo\n\npackage main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := "arm64"
	if runtime.GOARCH == "arm64" {
		other = "amd64"
	}
	t.Setenv("CGO_ENABLED", "")
	c := newCache(t)
	runs := 0
	analyze := c.Wrap(counting(&runs, &analyzer.Report{}))
	cfg := analyzer.Config{GOARCH: other, Dir: dir}
	for _, edit := range []string{"", "\nfunc init() {}\n"} {
		if edit != "" {
			if err := os.WriteFile(cgoFile, append(must(os.ReadFile(cgoFile)), edit...), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			if _, err := analyze(cfg, "."); err != nil {
				t.Fatal(err)
			}
		}
	}
	if runs != 2 {
		t.Errorf("%d analyses, want 2: one per content of the cgo-only file", runs)
	}
}
