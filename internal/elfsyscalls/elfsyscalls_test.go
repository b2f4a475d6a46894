package elfsyscalls

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// compileC builds a C file of testdata with gcc into a temporary
// directory, skipping the test when gcc or amd64 is not at hand.
func compileC(t *testing.T, name string, args ...string) string {
	t.Helper()
	if runtime.GOARCH != "amd64" || runtime.GOOS != "linux" {
		t.Skip("the analysis disassembles x86-64 ELF files; this is", runtime.GOOS, runtime.GOARCH)
	}
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc is not installed: the test needs it to build its C programs")
	}
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(name, ".c"))
	cmd := exec.Command(gcc, append([]string{"-O2", "-o", out, filepath.Join("testdata", name)}, args...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", name, err, b)
	}
	return out
}

// find returns the need for nr, if any.
func find(r *Result, nr uint32) (Need, bool) {
	for _, n := range r.Needs {
		if n.Nr == nr {
			return n, true
		}
	}
	return Need{}, false
}

func TestAnalyzeLibcCalls(t *testing.T) {
	bin := compileC(t, "work.c")
	r, err := Analyze(bin, Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	// Each syscall the C functions make, with the function and the libc
	// function the chain must start with (amd64 numbers).
	tests := []struct {
		name   string
		nr     uint32
		caller string
		via    string // the imported function, "" for the program's own code
	}{
		{"pwrite64", 18, "fileWork", "pwrite (libc.so.6)"},
		{"fsync", 74, "fileWork", "fsync (libc.so.6)"},
		{"fchown", 93, "fileWork", "fchown (libc.so.6)"},
		{"unlink", 87, "fileWork", "unlink (libc.so.6)"},
		{"openat", 257, "fileWork", "open (libc.so.6)"},
		{"mremap", 25, "growBuffer", "realloc (libc.so.6)"},
		{"uname", 63, "hostName", "gethostname (libc.so.6)"},
		{"getppid", 110, "rawGetppid", ""},
	}
	for _, tt := range tests {
		n, ok := find(r, tt.nr)
		if !ok {
			t.Errorf("%s (%d) not found; needs: %v", tt.name, tt.nr, r.Needs)
			continue
		}
		if n.Fallback {
			t.Errorf("%s: found only through the fallback: %v", tt.name, n.Chain)
		}
		if n.Chain[0] != tt.caller {
			t.Errorf("%s: chain %v starts at %s, want %s", tt.name, n.Chain, n.Chain[0], tt.caller)
		}
		if tt.via == "" {
			if len(n.Chain) != 1 || n.Library != "" {
				t.Errorf("%s: chain %v in %q, want the program's own %s", tt.name, n.Chain, n.Library, tt.caller)
			}
		} else if len(n.Chain) < 2 || n.Chain[1] != tt.via || n.Library == "" {
			t.Errorf("%s: chain %v (library %q), want it through %s", tt.name, n.Chain, n.Library, tt.via)
		}
	}
	if len(r.Unresolved) != 0 {
		t.Errorf("unresolved syscalls in plain libc calls: %v", r.Unresolved)
	}
	// What a few calls reach is far less than libc as a whole.
	all, err := LibrarySyscalls(libPath(t, r, "libc.so.6"), Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Needs) >= len(all)/2 {
		t.Errorf("%d syscalls for a few libc calls, libc has %d in all: the walk is too wide", len(r.Needs), len(all))
	}
	// Nothing reaches execve or ptrace from these calls.
	for _, nr := range []uint32{59, 101} {
		if n, ok := find(r, nr); ok {
			t.Errorf("syscall %d reached: %v", nr, n.Chain)
		}
	}
	if !slices.ContainsFunc(r.Libraries, func(l Library) bool { return l.Soname == "libc.so.6" && l.BuildID != "" }) {
		t.Errorf("libc.so.6 not among the libraries, or without an identity: %v", r.Libraries)
	}
}

// libPath returns the path of a library of r.
func libPath(t *testing.T, r *Result, soname string) string {
	t.Helper()
	for _, l := range r.Libraries {
		if l.Soname == soname {
			return l.Path
		}
	}
	t.Fatalf("%s not loaded: %v", soname, r.Libraries)
	return ""
}

func TestUnresolvedFallsBackToTheLibrary(t *testing.T) {
	bin := compileC(t, "indirect.c")
	r, err := Analyze(bin, Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(r.Unresolved, func(u Unresolved) bool {
		return u.Library == "libc.so.6" && len(u.Chain) >= 2 && u.Chain[0] == "viaWrapper" && u.Chain[1] == "syscall (libc.so.6)"
	}) {
		t.Fatalf("syscall(2) not reported unresolved from viaWrapper: %v", r.Unresolved)
	}
	all, err := LibrarySyscalls(libPath(t, r, "libc.so.6"), Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, nr := range all {
		if _, ok := find(r, nr); !ok {
			t.Fatalf("libc's syscall %d is not in the fallback", nr)
		}
	}
	// getpgrp (111), passed as a constant by constantNumber: resolved
	// at the call, not only through the fallback.
	if n, ok := find(r, 111); !ok || n.Fallback || n.Chain[0] != "constantNumber" {
		t.Errorf("getpgrp: %+v, want it from constantNumber's call", n)
	}
	n, _ := find(r, 110) // getppid, which only the wrapper makes here
	if !n.Fallback || !strings.Contains(n.Chain[len(n.Chain)-1], "every syscall of libc.so.6") {
		t.Errorf("getppid: %+v, want the fallback with its reason", n)
	}
}

func TestCacheByBuildID(t *testing.T) {
	bin := compileC(t, "work.c")
	dir := t.TempDir()
	first, err := Analyze(bin, Options{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// One per library, one for the program's own C code.
	if len(entries) != len(first.Libraries)+1 {
		t.Fatalf("%d cache entries for %d libraries and the program", len(entries), len(first.Libraries))
	}
	second, err := Analyze(bin, Options{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(first.Needs, second.Needs, func(a, b Need) bool { return a.Nr == b.Nr }) {
		t.Errorf("cached analysis differs: %d needs, then %d", len(first.Needs), len(second.Needs))
	}
	// A damaged entry is rebuilt, not trusted.
	for _, e := range entries {
		if err := os.WriteFile(filepath.Join(dir, e.Name()), []byte("garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	third, err := Analyze(bin, Options{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(third.Needs) != len(first.Needs) {
		t.Errorf("after damaging the cache: %d needs, want %d", len(third.Needs), len(first.Needs))
	}
}

func TestConstantWrapperCalls(t *testing.T) {
	bin := compileC(t, "indirect.c")
	r, err := Analyze(bin, Options{CacheDir: t.TempDir(), SkipFuncs: map[string]bool{"viaWrapper": true}})
	if err != nil {
		t.Fatal(err)
	}
	// Without viaWrapper, only constant numbers reach the wrapper: no
	// fallback, and getpgrp from its call.
	if len(r.Unresolved) != 0 {
		t.Errorf("unresolved: %v", r.Unresolved)
	}
	for _, n := range r.Needs {
		if n.Fallback {
			t.Fatalf("fallback need %d: %v", n.Nr, n.Chain)
		}
	}
	if n, ok := find(r, 111); !ok || len(n.Chain) != 2 || n.Chain[1] != "syscall (libc.so.6)" {
		t.Errorf("getpgrp: %+v, want constantNumber → syscall (libc.so.6)", n)
	}
}
