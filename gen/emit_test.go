package gen

import (
	"bytes"
	"flag"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// webPolicy is a small policy with one argument rule, used by golden and
// kernel tests.
func webPolicy(arch string) Policy {
	p := Policy{Arch: arch, Default: KillProcess, Syscalls: map[string][]Rule{}}
	for _, n := range []string{"read", "write", "close", "futex", "mmap", "munmap", "epoll_pwait", "accept4", "exit_group"} {
		p.Syscalls[n] = []Rule{{Action: Allow}}
	}
	p.Syscalls["clone3"] = []Rule{{Action: Errno(38)}}
	// fcntl only for F_GETFL (3) and F_SETFL (4).
	p.Syscalls["fcntl"] = []Rule{{Action: Allow, Args: []ArgCond{{Index: 1, Op: OpLess, Value: 5}, {Index: 1, Op: OpGreater, Value: 2}}}}
	return p
}

// fallbackMeta is Metadata whose Fallback is webPolicy plus what a DNS
// lookup's goroutine needs.
func fallbackMeta(t *testing.T, arch string) Metadata {
	p := webPolicy(arch)
	for _, n := range []string{"socket", "connect", "sendmmsg", "recvfrom"} {
		p.Syscalls[n] = []Rule{{Action: Allow}}
	}
	wide, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	origins := map[string]string{"accept4": "program: web.(*server).Serve (main.go:63)", "futex": "runtime: always",
		"fcntl": "program: os.newFile (file_unix.go:204); allow if arg1 < 0x5 && arg1 > 0x2", "connect": "cgo: getaddrinfo"}
	return Metadata{GoVersion: "go1.26.8", GeneratorVersion: "v0.0.0-test", Cgo: true, Origins: origins, Fallback: &Fallback{Program: wide,
		Goroutines: []selfsandbox.GoStatement{{Func: "net.doBlockingWithCtx[...]", File: "cgo_unix.go", Line: 64, EndLine: 69}}}}
}

func TestEmitGolden(t *testing.T) {
	tests := []struct {
		name, arch string
		fallback   bool
	}{
		{"webpolicy_amd64", "amd64", false},
		{"webpolicy_arm64", "arm64", false},
		{"webpolicy_fallback_amd64", "amd64", true},
	}
	for _, tc := range tests {
		arch := tc.arch
		t.Run(tc.name, func(t *testing.T) {
			prog, err := Compile(webPolicy(arch))
			if err != nil {
				t.Fatal(err)
			}
			meta := Metadata{GoVersion: "go1.26.8", GeneratorVersion: "v0.0.0-test"}
			if tc.fallback {
				meta = fallbackMeta(t, arch)
			}
			src, err := Emit(prog, meta)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(src, []byte(GeneratedHeader+"\n")) {
				t.Fatalf("output does not start with the generated-code header:\n%s", src)
			}
			f, err := parser.ParseFile(token.NewFileSet(), FileName(arch), src, parser.ParseComments)
			if err != nil {
				t.Fatalf("output does not parse: %v", err)
			}
			if f.Name.Name != "main" {
				t.Fatalf("package %s, want main", f.Name.Name)
			}
			if !bytes.Contains(src, []byte("//go:build linux && "+arch+"\n")) {
				t.Fatal("no build constraint")
			}
			if got := bytes.Contains(src, []byte("Fallback: &selfsandbox.Fallback{")); got != tc.fallback {
				t.Fatalf("Fallback in the output: %v, want %v", got, tc.fallback)
			}
			again, _ := Emit(prog, meta)
			if !bytes.Equal(src, again) {
				t.Fatal("Emit is not deterministic")
			}
			golden := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, src, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./gen -run TestEmitGolden -update)", err)
			}
			if !bytes.Equal(src, want) {
				t.Fatalf("output differs from %s (run with -update if the change is intended):\n%s", golden, src)
			}
		})
	}
}

// TestEmitOrigins: every allow-list line of a syscall with an origin ends
// with it as a comment, in the main and the fallback list, and the file
// still parses when an origin holds a newline.
func TestEmitOrigins(t *testing.T) {
	meta := fallbackMeta(t, "amd64")
	meta.Origins["read"] = "program: two\nlines"
	prog, err := Compile(webPolicy("amd64"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := Emit(prog, meta)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "x.go", src, parser.ParseComments); err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, src)
	}
	count := map[string]int{}
	for line := range strings.SplitSeq(string(src), "\n") {
		trimmed := strings.TrimSpace(line)
		if !strings.HasPrefix(trimmed, "{Name: ") {
			continue
		}
		for name, origin := range meta.Origins {
			if strings.HasPrefix(trimmed, "{Name: \""+name+"\",") {
				count[name]++
				if !strings.HasSuffix(trimmed, "// "+strings.Join(strings.Fields(origin), " ")) {
					t.Errorf("line %q does not end with the origin of %s", trimmed, name)
				}
			}
		}
		if strings.HasPrefix(trimmed, "{Name: \"write\",") && strings.Contains(trimmed, "//") {
			t.Errorf("write has no origin but a comment: %q", trimmed)
		}
	}
	// accept4, futex, fcntl and read are in both lists; connect only in the fallback.
	for name, want := range map[string]int{"accept4": 2, "futex": 2, "fcntl": 2, "read": 2, "connect": 1} {
		if count[name] != want {
			t.Errorf("%s: %d commented lines, want %d", name, count[name], want)
		}
	}
}

func TestFileName(t *testing.T) {
	if got := FileName("arm64"); got != "sandbox_linux_arm64.go" {
		t.Fatal(got)
	}
	if !strings.HasSuffix(FileName("amd64"), "_linux_amd64.go") {
		t.Fatal("file name must carry the GOOS_GOARCH suffix")
	}
}

// TestEmitFallbackMismatch: a fallback for another arch or default action
// is refused with an error that says so, and nothing is emitted.
func TestEmitFallbackMismatch(t *testing.T) {
	prog, err := Compile(webPolicy("amd64"))
	if err != nil {
		t.Fatal(err)
	}
	other := webPolicy("amd64")
	other.Default = Errno(1)
	wide, err := Compile(other)
	if err != nil {
		t.Fatal(err)
	}
	for name, fb := range map[string]*Fallback{
		"default":       {Program: wide, Goroutines: []selfsandbox.GoStatement{{File: "a.go", Line: 1, EndLine: 1}}},
		"no goroutines": {Program: prog},
		"no program":    {Goroutines: []selfsandbox.GoStatement{{File: "a.go", Line: 1, EndLine: 1}}},
	} {
		src, err := Emit(prog, Metadata{Fallback: fb})
		if err == nil || src != nil || !strings.Contains(err.Error(), "Fallback") {
			t.Errorf("%s: Emit = %d bytes, %v; want an error naming the Fallback", name, len(src), err)
		}
	}
}

// TestBuildRecorded: the build settings the policy covers reach the
// generated file and the program Selfsandbox returns, so that Lock can
// refuse a binary built otherwise.
func TestBuildRecorded(t *testing.T) {
	prog, err := Compile(webPolicy("amd64"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ cgo, race bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		meta := Metadata{GoVersion: "go1.26.8", Cgo: tc.cgo, Race: tc.race}
		src, err := Emit(prog, meta)
		if err != nil {
			t.Fatal(err)
		}
		for field, want := range map[string]bool{"Cgo": tc.cgo, "Race": tc.race} {
			re := regexp.MustCompile(`(?m)^\t\t` + field + `:\s+(true|false),$`)
			m := re.FindSubmatch(src)
			if m == nil || string(m[1]) != strconv.FormatBool(want) {
				t.Errorf("cgo=%v race=%v: the file's %s field is %q, want %v", tc.cgo, tc.race, field, m, want)
			}
		}
		if p := prog.Selfsandbox(meta); p.Cgo != tc.cgo || p.Race != tc.race {
			t.Errorf("Selfsandbox: Cgo %v Race %v, want %v %v", p.Cgo, p.Race, tc.cgo, tc.race)
		}
	}
}

// TestLibrariesRecorded: the libraries the C analysis read reach the
// generated file, one literal a library, and the program Selfsandbox
// returns; a file without them has no CLibraries field.
func TestLibrariesRecorded(t *testing.T) {
	prog, err := Compile(webPolicy("amd64"))
	if err != nil {
		t.Fatal(err)
	}
	libs := []selfsandbox.Library{
		{Soname: "libc.so.6", Path: "/lib/x86_64-linux-gnu/libc.so.6", BuildID: "79005c16293efa45b441fed45f4f29b138557e9e"},
		{Soname: "libsqlite3.so.0", Path: "/usr/lib/libsqlite3.so.0", BuildID: "sha256:00ff"},
	}
	for _, tc := range []struct {
		name string
		libs []selfsandbox.Library
	}{{"none", nil}, {"two", libs}} {
		t.Run(tc.name, func(t *testing.T) {
			meta := Metadata{GoVersion: "go1.26.8", Cgo: true, CLibraries: tc.libs}
			src, err := Emit(prog, meta)
			if err != nil {
				t.Fatal(err)
			}
			if got := bytes.Contains(src, []byte("CLibraries: []selfsandbox.Library{")); got != (len(tc.libs) > 0) {
				t.Fatalf("CLibraries in the file: %v, want %v:\n%s", got, len(tc.libs) > 0, src)
			}
			for _, l := range tc.libs {
				line := "\t\t\t{Soname: " + strconv.Quote(l.Soname) + ", Path: " + strconv.Quote(l.Path) + ", BuildID: " + strconv.Quote(l.BuildID) + "},\n"
				if !bytes.Contains(src, []byte(line)) {
					t.Errorf("no line %q in the file:\n%s", line, src)
				}
			}
			if p := prog.Selfsandbox(meta); len(p.CLibraries) != len(tc.libs) || (len(tc.libs) > 0 && p.CLibraries[1] != tc.libs[1]) {
				t.Errorf("Selfsandbox: CLibraries %v, want %v", p.CLibraries, tc.libs)
			}
		})
	}
}
