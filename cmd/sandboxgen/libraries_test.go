package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// TestCheckLibraryDrift: -check's report of a stale file says which
// recorded C library this machine resolves to another file, or does not
// load, reading the libraries from files gen.Emit wrote.
func TestCheckLibraryDrift(t *testing.T) {
	prog, err := gen.Compile(gen.Policy{Arch: "amd64", Default: gen.KillProcess, Syscalls: map[string][]gen.Rule{"read": {{Action: gen.Allow}}}})
	if err != nil {
		t.Fatal(err)
	}
	libc := selfsandbox.Library{Soname: "libc.so.6", Path: "/lib/x86_64-linux-gnu/libc.so.6", BuildID: "aaaa"}
	sqlite := selfsandbox.Library{Soname: "libsqlite3.so.0", Path: "/usr/lib/libsqlite3.so.0", BuildID: "bbbb"}
	emit := func(libs ...selfsandbox.Library) []byte {
		src, err := gen.Emit(prog, gen.Metadata{GoVersion: "go1.26.8", Cgo: true, CLibraries: libs})
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	otherLibc := libc
	otherLibc.Path, otherLibc.BuildID = "/usr/lib64/libc.so.6", "cccc"
	tests := []struct {
		name     string
		disk     []byte
		now      []byte
		warnings []string // substrings, one a warning line
	}{
		{"same", emit(libc, sqlite), emit(libc, sqlite), nil},
		{"other libc", emit(libc, sqlite), emit(otherLibc, sqlite), []string{"records the C library libc.so.6 as /lib/x86_64-linux-gnu/libc.so.6 (build ID aaaa), but this machine's loader resolves it to /usr/lib64/libc.so.6 (build ID cccc)"}},
		{"not loaded", emit(libc, sqlite), emit(libc), []string{"records the C library libsqlite3.so.0 (/usr/lib/libsqlite3.so.0, build ID bbbb), which the program's build on this machine does not load"}},
		{"none recorded", emit(), emit(libc), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "sandbox_linux_amd64.go")
			if err := os.WriteFile(path, tt.disk, 0o644); err != nil {
				t.Fatal(err)
			}
			diffs := checkFiles([]outputFile{{path, tt.now}}, dir)
			all := strings.Join(diffs, "")
			if got := strings.Count(all, ": warning: "); got != len(tt.warnings) {
				t.Fatalf("%d warnings, want %d:\n%s", got, len(tt.warnings), all)
			}
			for _, w := range tt.warnings {
				if !strings.Contains(all, "sandbox_linux_amd64.go: warning: the file "+w) {
					t.Errorf("no warning %q in\n%s", w, all)
				}
			}
		})
	}
}

// TestCAnalysisReported: the libraries the C analysis read reach the
// generated file and -json; the C functions that call dlopen are reported
// as unanalysed by -json and by -why for a syscall the program does not
// need.
func TestCAnalysisReported(t *testing.T) {
	libc := analyzer.CLibrary{Soname: "libc.so.6", Path: "/lib/x86_64-linux-gnu/libc.so.6", BuildID: "0123abcd"}
	canned(t, func(p *analyzer.Program) {
		if p.GOARCH == "amd64" {
			p.CLibraries = []analyzer.CLibrary{libc}
			p.CDlopen = []string{"load_plugin"}
		}
	})
	dir := scratchModule(t, map[string]string{"main.go": lockerSource})
	mustRun(t, dir, exitOK, "-arch", "amd64", ".")
	src, err := os.ReadFile(filepath.Join(dir, "sandbox_linux_amd64.go"))
	if err != nil {
		t.Fatal(err)
	}
	if got := recordedLibraries(src); len(got) != 1 || got[0] != (recordedLibrary{libc.Soname, libc.Path, libc.BuildID}) {
		t.Errorf("the file records %v, want %v", got, libc)
	}
	stdout, _ := mustRun(t, dir, exitOK, "-json", "-arch", "amd64", ".")
	var rep struct {
		Programs []struct {
			C *struct {
				Libraries []struct {
					Soname, Path string
					BuildID      string `json:"build_id"`
				}
				Dlopen []string `json:"dlopen_unanalysed"`
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	if len(rep.Programs) != 1 || rep.Programs[0].C == nil {
		t.Fatalf("no c report:\n%s", stdout)
	}
	c := rep.Programs[0].C
	if len(c.Libraries) != 1 || c.Libraries[0].BuildID != libc.BuildID || c.Libraries[0].Soname != libc.Soname || !slices.Equal(c.Dlopen, []string{"load_plugin"}) {
		t.Errorf("c report %+v", c)
	}
	stdout, _ = mustRun(t, dir, exitOK, "-why", "mremap", "-arch", "amd64", ".")
	if !strings.Contains(stdout, "(the program does not need mremap") || !strings.Contains(stdout, "not analysed: the libraries that load_plugin loads with dlopen") {
		t.Errorf("-why mremap:\n%s", stdout)
	}
	stdout, _ = mustRun(t, dir, exitOK, "-why", "openat", "-arch", "amd64", ".")
	if strings.Contains(stdout, "dlopen") {
		t.Errorf("-why of a needed syscall mentions dlopen:\n%s", stdout)
	}
}
