package main

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// The tests in this file run the command on canned analysis results (the
// analyse seam), so that flags, files and messages are checked in
// milliseconds; run_test.go keeps the end-to-end tests that run the real
// analysis.

// repoRoot is the module's root directory.
var repoRoot = func() string {
	root, err := filepath.Abs("../..")
	if err != nil {
		panic(err)
	}
	return root
}()

// lockerSource is a main package that locks itself.
const lockerSource = `package main

import "github.com/sandboxgen/sandboxgen/selfsandbox"

func main() {
	selfsandbox.MustLock()
}
`

// toolSource is a main package that never locks itself.
const toolSource = `package main

import "fmt"

func main() { fmt.Println("no sandbox") }
`

// scratchModule writes files (path → content) into a new module
// example.com/scratch that requires this one through a replace directive,
// and returns its directory.
func scratchModule(t *testing.T, files map[string]string) string {
	t.Helper()
	return moduleWith(t, "example.com/scratch", files)
}

// moduleWith writes files into a new module modPath that requires this one
// through a replace directive, with this module's requirements (as
// indirect ones) and go.sum, and returns its directory.
func moduleWith(t *testing.T, modPath string, files map[string]string) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	rootMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	_, requires, _ := strings.Cut(string(rootMod), "\nrequire")
	files["go.mod"] = "module " + modPath + "\n\ngo 1.26.0\n\nrequire github.com/sandboxgen/sandboxgen v0.0.0\n\nrequire" + requires +
		"\nreplace github.com/sandboxgen/sandboxgen => " + root + "\n"
	files["go.sum"] = string(sum)
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// cannedCall is one call of the fake analysis.
type cannedCall struct {
	cfg   analyzer.Config
	paths []string
}

// canned replaces the analysis with one that returns cannedProgram for
// every package, edited by edit when it is not nil, and records the calls.
func canned(t *testing.T, edit func(p *analyzer.Program)) *[]cannedCall {
	t.Helper()
	var mu sync.Mutex
	calls := &[]cannedCall{}
	saved := analyse
	t.Cleanup(func() { analyse = saved })
	analyse = func(cfg analyzer.Config, paths ...string) (*analyzer.Report, error) {
		mu.Lock()
		*calls = append(*calls, cannedCall{cfg, slices.Clone(paths)})
		mu.Unlock()
		rep := &analyzer.Report{}
		for _, path := range paths {
			p, err := cannedProgram(cfg, path)
			if err != nil {
				return nil, err
			}
			if edit != nil {
				edit(p)
			}
			rep.Programs = append(rep.Programs, p)
		}
		return rep, nil
	}
	return calls
}

// cannedProgram is what the analysis could say of a small program that
// opens files, connects and removes a file after Lock.
func cannedProgram(cfg analyzer.Config, pkgPath string) (*analyzer.Program, error) {
	table, err := systable.Lookup(cfg.GOARCH)
	if err != nil {
		return nil, err
	}
	dir := cfg.Dir
	if rel, ok := strings.CutPrefix(pkgPath, "example.com/scratch"); ok {
		dir = filepath.Join(cfg.Dir, filepath.FromSlash(strings.TrimPrefix(rel, "/")))
	} else if rel, ok := strings.CutPrefix(pkgPath, "github.com/sandboxgen/sandboxgen/"); ok {
		dir = filepath.Join(repoRoot, filepath.FromSlash(rel))
	} else if pkgPath != "example.com/hello" {
		return nil, errors.New("canned analysis: unknown package " + pkgPath)
	}
	p := &analyzer.Program{
		PkgPath: pkgPath, Dir: dir, Name: filepath.Base(pkgPath), GOARCH: cfg.GOARCH,
		GoVersion: runtime.Version(), Packages: 42,
		Pruning: analyzer.Pruning{Applied: true, LockAt: "main.go:6:22"},
	}
	add := func(name, origin string) {
		nr, ok := table.Number(name)
		if !ok {
			panic(name + " is no syscall on " + cfg.GOARCH)
		}
		n := analyzer.Need{Name: name, Nr: nr, Origin: origin}
		if origin == analyzer.OriginProgram {
			n.Path = []string{pkgPath + ".main (main.go:7:2)", "syscall." + name + " (zsyscall_linux.go:1:1)"}
		}
		p.Syscalls = append(p.Syscalls, n)
	}
	for _, name := range []string{"futex", "mmap", "munmap", "madvise", "write", "read", "exit_group", "rt_sigreturn", "rt_sigprocmask",
		"sigaltstack", "clone", "gettid", "tgkill", "getpid", "sched_yield", "nanosleep"} {
		add(name, analyzer.OriginRuntimePrefix+"always")
	}
	for _, name := range []string{"openat", "connect", "unlinkat", "close", "fstat"} {
		add(name, analyzer.OriginProgram)
	}
	if cfg.ExecChild {
		add("execve", analyzer.OriginRuntimePrefix+"forkexec")
	}
	sort.Slice(p.Syscalls, func(i, j int) bool { return p.Syscalls[i].Name < p.Syscalls[j].Name })
	return p, nil
}

// snapshot returns every file under dir with its content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		files[strings.TrimPrefix(path, dir)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// generatedNames returns the names of the generated files in dir.
func generatedNames(t *testing.T, dir string) []string {
	t.Helper()
	gen, err := readGenerated(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range gen {
		names = append(names, filepath.Base(g.path))
	}
	return names
}

func mustRun(t *testing.T, dir string, want int, args ...string) (string, string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, dir, args...)
	if code != want {
		t.Fatalf("sandboxgen %s: exit %d, want %d\nstderr:\n%s", strings.Join(args, " "), code, want, stderr)
	}
	return stdout, stderr
}

// TestRecordedOptions: the generated files record the options that shape
// the filter, and every later run reuses them unless a flag overrides one.
func TestRecordedOptions(t *testing.T) {
	canned(t, nil)
	dir := scratchModule(t, map[string]string{"main.go": lockerSource})
	mustRun(t, dir, exitOK, "-deny", "connect", "-readonly-fs", ".")
	first := snapshot(t, dir)
	amd64 := first["/sandbox_linux_amd64.go"]
	if !strings.HasPrefix(amd64, generatedHeader+"\n// sandboxgen:options -deny=connect -readonly-fs\n//go:build linux && amd64\n") {
		t.Fatalf("the options are not recorded after the header:\n%.300s", amd64)
	}
	if strings.Contains(amd64, `{Name: "connect"`) || strings.Contains(amd64, `{Name: "unlinkat"`) || !strings.Contains(amd64, `{Name: "openat"`) {
		t.Errorf("-deny connect -readonly-fs did not shape the filter:\n%s", amd64)
	}

	// go generate, sandboxgen ./... and sandboxgen -check ./... agree.
	for _, args := range [][]string{{"./..."}, {"."}, {"-deny", "connect", "-readonly-fs", "."}, {"-deny=connect", "-arch", "arm64,amd64", "./..."}} {
		_, stderr := mustRun(t, dir, exitOK, args...)
		if got := snapshot(t, dir); !mapsEqual(got, first) {
			t.Fatalf("sandboxgen %v changed the files (stderr %s)", args, stderr)
		}
		if strings.Contains(stderr, "changes recorded options") {
			t.Errorf("sandboxgen %v reports a change although it changes nothing:\n%s", args, stderr)
		}
		mustRun(t, dir, exitOK, append([]string{"-check"}, args...)...)
	}

	// An explicit flag that changes a recorded value: reported in one
	// line, stale for -check, then recorded.
	_, stderr := mustRun(t, dir, exitCheckStale, "-check", "-mode", "trap", "./...")
	if !strings.Contains(stderr, "-mode=trap (recorded: default)") || !strings.Contains(stderr, "for this run only") {
		t.Errorf("-check -mode trap:\n%s", stderr)
	}
	_, stderr = mustRun(t, dir, exitOK, "-mode", "trap", "-deny=", "./...")
	if n := strings.Count(stderr, "changes recorded options"); n != 1 || !strings.Contains(stderr, "-deny= (recorded: connect)") {
		t.Errorf("want one line reporting -mode and -deny; got:\n%s", stderr)
	}
	amd64b, _ := os.ReadFile(filepath.Join(dir, "sandbox_linux_amd64.go"))
	if !strings.Contains(string(amd64b), "// sandboxgen:options -mode=trap -readonly-fs\n") || !strings.Contains(string(amd64b), `{Name: "connect"`) {
		t.Errorf("the new options are not recorded:\n%.300s", amd64b)
	}
	mustRun(t, dir, exitOK, "-check", "./...")

	// -o and -arch are recorded too; the files they no longer name go.
	_, stderr = mustRun(t, dir, exitOK, "-arch", "amd64", "-o", "seccomp_{arch}.go", ".")
	if got := generatedNames(t, dir); !slices.Equal(got, []string{"seccomp_amd64.go"}) || !strings.Contains(stderr, "removed sandbox_linux_arm64.go") {
		t.Errorf("after -arch amd64 -o seccomp_{arch}.go: files %v\n%s", got, stderr)
	}
	mustRun(t, dir, exitOK, "./...")
	if got := generatedNames(t, dir); !slices.Equal(got, []string{"seccomp_amd64.go"}) {
		t.Errorf("a run without flags did not keep the recorded -o and -arch: %v", got)
	}
	// -o without {arch} is fine for the one recorded architecture, and a
	// name go build leaves out on it is not.
	mustRun(t, dir, exitOK, "-o", "seccomp.go", ".")
	if _, stderr := mustRun(t, dir, exitBadInput, "-o", "seccomp_arm64.go", "."); !strings.Contains(stderr, "go build leaves seccomp_arm64.go out of the program on linux/amd64") {
		t.Errorf("-o for another architecture:\n%s", stderr)
	}
	mustRun(t, dir, exitOK, "-o", "seccomp_{arch}.go", ".")

	// Files of one package that record different options: an error that
	// says what to do, and nothing written.
	os.WriteFile(filepath.Join(dir, "seccomp_arm64.go"), []byte(generatedHeader+"\n// sandboxgen:options -arch=arm64 -o=seccomp_{arch}.go\n\npackage main\n"), 0o644)
	before := snapshot(t, dir)
	_, stderr = mustRun(t, dir, exitBadInput, "./...")
	if !strings.Contains(stderr, "the generated files record different options") || !strings.Contains(stderr, "seccomp_arm64.go") {
		t.Errorf("disagreeing files:\n%s", stderr)
	}
	if !mapsEqual(snapshot(t, dir), before) {
		t.Error("a run that failed changed files")
	}
	// Explicit flags that settle the disagreement are fine.
	mustRun(t, dir, exitOK, "-arch", "amd64,arm64", "-mode=trap", "-readonly-fs", ".")
	if got := generatedNames(t, dir); !slices.Equal(got, []string{"seccomp_amd64.go", "seccomp_arm64.go"}) {
		t.Errorf("files %v", got)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestJSONOptions: -json reports the options each program is generated
// with: the recorded ones, with the command line's over them.
func TestJSONOptions(t *testing.T) {
	canned(t, nil)
	dir := scratchModule(t, map[string]string{"main.go": lockerSource})
	mustRun(t, dir, exitOK, "-deny", "connect", "-mode", "trap", ".")
	stdout, _ := mustRun(t, dir, exitOK, "-json", "-readonly-fs", ".")
	var rep report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Mode != "trap" || len(rep.Programs) != 2 || strings.Join(rep.Programs[0].Options, " ") != "-mode=trap -deny=connect -readonly-fs" {
		t.Errorf("mode %q, programs %+v", rep.Mode, rep.Programs)
	}
}

// TestQueriesNeverWrite: -json, -why and -check leave every file as it was,
// whatever flags they are given.
func TestQueriesNeverWrite(t *testing.T) {
	canned(t, nil)
	dir := scratchModule(t, map[string]string{"main.go": lockerSource})
	mustRun(t, dir, exitOK, "-deny", "connect", ".")
	before := snapshot(t, dir)
	time.Sleep(10 * time.Millisecond)
	for _, args := range [][]string{
		{"-json", "-deny", "unlinkat", "-mode", "errno", "."},
		{"-json", "-o", "other_{arch}.go", "-arch", "amd64", "."},
		{"-json", "-check", "-deny=", "."},
		{"-why", "connect", "-readonly-fs", "."},
		{"-check", "-exec-child", "."},
	} {
		code, _, stderr := runCLI(t, dir, args...)
		if code == exitBadInput {
			t.Errorf("%v: exit %d\n%s", args, code, stderr)
		}
		if !mapsEqual(snapshot(t, dir), before) {
			t.Fatalf("sandboxgen %v changed files", args)
		}
	}
}

// TestSkipsProgramsThatNeverLock: ./... leaves out main packages that never
// call selfsandbox.Lock, with one note, unless they are named explicitly.
func TestSkipsProgramsThatNeverLock(t *testing.T) {
	calls := canned(t, nil)
	dir := scratchModule(t, map[string]string{
		"cmd/locker/main.go": lockerSource,
		"cmd/tool/main.go":   toolSource,
		"cmd/other/main.go":  toolSource,
	})
	_, stderr := mustRun(t, dir, exitOK, "./...")
	if n := strings.Count(stderr, "skipped"); n != 1 || !strings.Contains(stderr, "skipped 2 main packages that never call selfsandbox.Lock: ./cmd/other, ./cmd/tool") {
		t.Errorf("want one note naming both skipped packages:\n%s", stderr)
	}
	for _, c := range *calls {
		if !slices.Equal(c.paths, []string{"example.com/scratch/cmd/locker"}) {
			t.Errorf("the analysis was asked for %v", c.paths)
		}
	}
	if got := generatedNames(t, filepath.Join(dir, "cmd/tool")); len(got) != 0 {
		t.Errorf("files written for a program that never locks: %v", got)
	}
	mustRun(t, dir, exitOK, "-check", "./...")
	// Named without ...: generated (and then checked) all the same.
	mustRun(t, dir, exitOK, "./cmd/tool")
	if got := generatedNames(t, filepath.Join(dir, "cmd/tool")); len(got) != 2 {
		t.Errorf("./cmd/tool named explicitly: files %v", got)
	}
	mustRun(t, dir, exitOK, "-check", "./cmd/tool")
}

// TestRefersToLock checks the cheap test for a program that locks itself.
func TestRefersToLock(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{lockerSource, true},
		{toolSource, false},
		{"package main\n\nimport sb \"github.com/sandboxgen/sandboxgen/selfsandbox\"\n\nvar lock = sb.LockWith\n\nfunc main() {}\n", true},
		{"package main\n\nimport \"github.com/sandboxgen/sandboxgen/selfsandbox\"\n\nfunc main() { selfsandbox.Register(selfsandbox.Program{}) }\n", false},
		{"package main\n\nimport . \"github.com/sandboxgen/sandboxgen/selfsandbox\"\n\nfunc main() {}\n", true},
		{"package main\n\nfunc main() { syntax error", true},
	}
	for i, tt := range tests {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "main.go"), []byte(tt.src), 0o644)
		if got := refersToLock(listedPackage{Dir: dir, GoFiles: []string{"main.go"}}); got != tt.want {
			t.Errorf("%d: refersToLock = %v, want %v\n%s", i, got, tt.want, tt.src)
		}
	}
}

// TestWriteAllOrNothing: a write that fails midway puts back every file
// already replaced or created.
func TestWriteAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.go")
	os.WriteFile(old, []byte("old\n"), 0o600)
	gone := filepath.Join(dir, "gone.go")
	os.WriteFile(gone, []byte("obsolete\n"), 0o644)
	blocked := filepath.Join(dir, "blocked.go")
	os.Mkdir(blocked, 0o755)
	fresh := filepath.Join(dir, "new.go")

	err := writeAll([]outputFile{{fresh, []byte("new\n")}, {old, []byte("replaced\n")}, {blocked, []byte("x\n")}}, []string{gone})
	if err == nil || !strings.Contains(err.Error(), "blocked.go") {
		t.Fatalf("err = %v, want an error naming blocked.go", err)
	}
	if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("new.go was left behind: %v", err)
	}
	if b, _ := os.ReadFile(old); string(b) != "old\n" {
		t.Errorf("old.go = %q, want it restored", b)
	}
	if fi, _ := os.Stat(old); fi.Mode().Perm() != 0o600 {
		t.Errorf("old.go mode %v, want 0600 kept", fi.Mode())
	}
	if b, _ := os.ReadFile(gone); string(b) != "obsolete\n" {
		t.Errorf("gone.go = %q: removed although the run failed", b)
	}

	// Without the obstacle: every file written, the obsolete one removed.
	if err := writeAll([]outputFile{{fresh, []byte("new\n")}, {old, []byte("replaced\n")}}, []string{gone}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(old); string(b) != "replaced\n" {
		t.Errorf("old.go = %q", b)
	}
	if _, err := os.Stat(gone); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("gone.go not removed: %v", err)
	}
}

// TestWarningsOnceAndShort: a warning that every package and architecture
// has is printed once, short, with the flag that fixes it; -v prints it in
// full; -check and -why leave it out.
func TestWarningsOnceAndShort(t *testing.T) {
	const execWarning = "exec: the program can start other programs, which inherit the filter; only what their start-up shares with this allow-list is allowed (pass -exec-child to sandboxgen, Config.ExecChild to Analyze, to add the runtime profile's exec group)"
	canned(t, func(p *analyzer.Program) {
		p.Warnings = append(p.Warnings, execWarning)
		if strings.HasSuffix(p.PkgPath, "b") {
			p.Pruning = analyzer.Pruning{Reason: "selfsandbox.MustLock is called from main.setup at main.go:9:2, not directly in main.main"}
		}
	})
	dir := scratchModule(t, map[string]string{"a/main.go": lockerSource, "b/main.go": lockerSource})
	_, stderr := mustRun(t, dir, exitOK, "./...")
	if n := strings.Count(stderr, "exec:"); n != 1 {
		t.Errorf("the exec warning is printed %d times, want once:\n%s", n, stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if strings.Contains(line, "exec:") && (len(line) > 200 || !strings.Contains(line, "-exec-child") || strings.Contains(line, "Config.")) {
			t.Errorf("exec warning not short or not naming the flag: %q", line)
		}
	}
	if !strings.Contains(stderr, "[./a, ./b on linux/amd64, linux/arm64]") {
		t.Errorf("the warning does not say where it applies:\n%s", stderr)
	}
	// Pruning that could not apply: what was kept and how to fix it.
	if !strings.Contains(stderr, "not directly in main.main, so the syscalls the program makes only before Lock stay allowed; call selfsandbox.Lock once, directly in main.main") ||
		!strings.Contains(stderr, "[./b on linux/amd64, linux/arm64]") {
		t.Errorf("no pruning warning for ./b:\n%s", stderr)
	}
	_, stderr = mustRun(t, dir, exitOK, "-v", "./...")
	if !strings.Contains(stderr, execWarning) {
		t.Errorf("-v does not print the full warning:\n%s", stderr)
	}
	for _, args := range [][]string{{"-check", "./..."}, {"-why", "openat", "./..."}} {
		if _, stderr := mustRun(t, dir, exitOK, args...); strings.Contains(stderr, "warning") {
			t.Errorf("%v prints warnings:\n%s", args, stderr)
		}
	}
}

// TestSyscallNumbers: a number works wherever a name does, resolved per
// architecture, with the name printed.
func TestSyscallNumbers(t *testing.T) {
	canned(t, nil)
	dir := scratchModule(t, map[string]string{"main.go": lockerSource})
	// 42 is connect on amd64 and 203 on arm64.
	_, stderr := mustRun(t, dir, exitOK, "-deny", "42,203", ".")
	if !strings.Contains(stderr, "-deny 42 is connect on linux/amd64, ") || !strings.Contains(stderr, "-deny 203 is ") {
		t.Errorf("the numbers' names are not printed:\n%s", stderr)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		src, _ := os.ReadFile(filepath.Join(dir, "sandbox_linux_"+arch+".go"))
		if strings.Contains(string(src), `{Name: "connect"`) {
			t.Errorf("%s: connect is still allowed", arch)
		}
	}
	stdout, _ := mustRun(t, dir, exitOK, "-why", "257", "-arch", "amd64", ".")
	if !strings.Contains(stdout, "# 257 = openat (example.com/scratch, linux/amd64)\nexample.com/scratch.main") {
		t.Errorf("-why 257:\n%s", stdout)
	}
	stdout, _ = mustRun(t, dir, exitOK, "-why", "56", ".")
	if !strings.Contains(stdout, "# 56 = clone (example.com/scratch, linux/amd64)") || !strings.Contains(stdout, "# 56 = openat (example.com/scratch, linux/arm64)") {
		t.Errorf("-why 56 is not resolved per architecture:\n%s", stdout)
	}
}

// TestProgressLine: on a terminal, a slow run shows one updating progress
// line and clears it; never in a pipe or with CI=true.
func TestProgressLine(t *testing.T) {
	canned(t, nil)
	slow := analyse
	analyse = func(cfg analyzer.Config, paths ...string) (*analyzer.Report, error) {
		time.Sleep(150 * time.Millisecond)
		return slow(cfg, paths...)
	}
	savedTerm, savedDelay := isTerminal, progressDelay
	t.Cleanup(func() { isTerminal, progressDelay = savedTerm, savedDelay })
	progressDelay = 0
	dir := scratchModule(t, map[string]string{"main.go": lockerSource})

	t.Setenv("CI", "")
	isTerminal = func(io.Writer) bool { return true }
	t.Setenv(envJobs, "2")
	_, stderr := mustRun(t, dir, exitOK, "-json", ".")
	if !strings.Contains(stderr, "\r\033[Ksandboxgen: analysing 1 package for linux/amd64, linux/arm64 (at once)") {
		t.Errorf("no progress line on a terminal: %q", stderr)
	}
	t.Setenv(envJobs, "1")
	_, stderr = mustRun(t, dir, exitOK, "-json", ".")
	if !strings.Contains(stderr, "\r\033[Ksandboxgen: analysing 1 package for linux/") || !strings.Contains(stderr, "(2/2)") {
		t.Errorf("no progress line per architecture on a terminal: %q", stderr)
	}
	if i, j := strings.LastIndex(stderr, "…"), strings.LastIndex(stderr, "\r\033[K"); j < i {
		t.Errorf("the progress line is not cleared at the end: %q", stderr)
	}
	t.Setenv("CI", "true")
	if _, stderr := mustRun(t, dir, exitOK, "-json", "."); strings.Contains(stderr, "\r") {
		t.Errorf("progress line with CI=true: %q", stderr)
	}
	t.Setenv("CI", "")
	isTerminal = func(io.Writer) bool { return false }
	if _, stderr := mustRun(t, dir, exitOK, "-json", "."); strings.Contains(stderr, "\r") {
		t.Errorf("progress line in a pipe: %q", stderr)
	}
}

// TestToolchainMismatch: a sandboxgen built by another Go release than the
// go command says so and how to fix it, instead of blaming the package.
func TestToolchainMismatch(t *testing.T) {
	dir := scratchModule(t, map[string]string{"main.go": lockerSource})
	saved, savedBuilt := toolchainVersion, builtWith
	t.Cleanup(func() { toolchainVersion, builtWith = saved, savedBuilt })
	builtWith = "go1.26.8"
	toolchainVersion = func(string) (string, error) { return "go1.27.3", nil }

	savedAnalyse := analyse
	t.Cleanup(func() { analyse = savedAnalyse })
	analyse = func(analyzer.Config, ...string) (*analyzer.Report, error) {
		return nil, errors.New("/usr/local/go/src/internal/abi/type.go:12:3: undefined: something")
	}
	_, stderr := mustRun(t, dir, exitBadInput, ".")
	if !strings.Contains(stderr, "sandboxgen was built with go1.26.8 but the go command here is go1.27.3") ||
		!strings.Contains(stderr, "go get -tool github.com/sandboxgen/sandboxgen/cmd/sandboxgen") || strings.Contains(stderr, "do not build") {
		t.Errorf("mismatch:\n%s", stderr)
	}
	// When the analysis works all the same, a warning, in every mode.
	analyse = savedAnalyse
	canned(t, nil)
	_, stderr = mustRun(t, dir, exitCheckStale, "-check", ".")
	if !strings.Contains(stderr, "warning: sandboxgen was built with go1.26.8 but the go command here is go1.27.3") {
		t.Errorf("no warning when the analysis succeeds:\n%s", stderr)
	}
	// Same release, other patch: nothing to say.
	toolchainVersion = func(string) (string, error) { return "go1.26.1", nil }
	if got := toolchainMismatch(dir); got != "" {
		t.Errorf("go1.26.8 and go1.26.1: %q", got)
	}
	for v, want := range map[string]string{"go1.26.8": "go1.26", "go1.27rc1": "go1.27", "go1.30": "go1.30", "devel go1.27-abc": "", "go1.26.8 X:foo": "go1.26"} {
		if got := release(v); got != want {
			t.Errorf("release(%q) = %q, want %q", v, got, want)
		}
	}
}

func TestPlural(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want string
	}{{0, "0 syscalls"}, {1, "1 syscall"}, {2, "2 syscalls"}} {
		if got := plural(tt.n, "syscall"); got != tt.want {
			t.Errorf("plural(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if got := pluralVerb(1, "generated file", "is", "are"); got != "1 generated file is" {
		t.Errorf("pluralVerb(1) = %q", got)
	}
}

// TestCheckMessages: -check's summary uses correct plurals and names the
// missing file.
func TestCheckMessages(t *testing.T) {
	canned(t, nil)
	dir := scratchModule(t, map[string]string{"main.go": lockerSource})
	_, stderr := mustRun(t, dir, exitCheckStale, "-check", "-arch", "amd64", ".")
	if !strings.Contains(stderr, "sandbox_linux_amd64.go: missing") || !strings.Contains(stderr, "1 of 1 generated file is stale") {
		t.Errorf("-check:\n%s", stderr)
	}
}
