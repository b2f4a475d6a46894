package runtimeprofile

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestExtractionFromFixture runs For on miniature GOROOTs under testdata
// (no go command there, so go/build selects the files) whose every part is
// a case: assembly and Go syscall sites, a wrapper of
// internal/runtime/syscall/linux, a site only start-up reaches, a function
// never called, a function the trigger table does not know, a misspelled
// #define, a vDSO function looked up but never called, a goroutine started
// at start-up, and a number Go code does not know.
func TestExtractionFromFixture(t *testing.T) {
	p, err := For("testdata/goroot-good", "linux", "amd64")
	if err != nil {
		t.Fatal(err)
	}
	if p.GoVersion != "go1.99.0" {
		t.Errorf("GoVersion %q, want go1.99.0", p.GoVersion)
	}
	wantBase := []string{"clock_gettime", "epoll_create1", "exit_group", "futex", "getrandom", "munmap", "restart_syscall", "rt_sigreturn", "setitimer", "write"}
	if got := p.Names(); !slices.Equal(got, wantBase) {
		t.Errorf("Base = %v, want %v", got, wantBase)
	}
	for _, tc := range []struct {
		name    string
		trigger Trigger
		source  string
		fn      string
	}{
		{"futex", TriggerAlways, "runtime/sys_linux_amd64.s:", "runtime.futex"},
		{"epoll_create1", TriggerNetpollInit, "runtime/proc.go:", "runtime.netpollinit"},
		{"exit_group", TriggerCrash, "runtime/sys_linux_amd64.s:", "runtime.exit"},
		{"setitimer", TriggerUnknown, "runtime/sys_linux_amd64.s:", "runtime.brandNew"},
		{"clock_gettime", TriggerTimers, "runtime/", ""},
		{"restart_syscall", TriggerSignals, "table: ", "table"},
		// How the runtime reports a crash, whatever its source holds.
		{"write", TriggerCrash, "table: ", "table"},
		// A goroutine started during start-up may run after main.
		{"munmap", TriggerUnknown, "runtime/proc.go:", "runtime.schedinit.func"},
	} {
		s, ok := p.Lookup(tc.name, Base)
		if !ok {
			t.Errorf("%s not in Base", tc.name)
			continue
		}
		if s.Trigger != tc.trigger || !strings.HasPrefix(s.Source, tc.source) || (tc.fn != "" && s.Sites[0].Func != tc.fn) {
			t.Errorf("%s: trigger %v, source %q, func %q; want %v, %q..., %q", tc.name, s.Trigger, s.Source, s.Sites[0].Func, tc.trigger, tc.source, tc.fn)
		}
	}
	// clock_gettime comes from both the assembly fallback and the vDSO.
	if s, _ := p.Lookup("clock_gettime", Base); len(s.Sites) != 2 {
		t.Errorf("clock_gettime sites %v, want the vDSO entry and nanotime1's fallback", s.Sites)
	}
	pre := map[string]string{}
	for _, s := range p.PreMain {
		pre[s.Name] = s.Sites[0].PreMainWhy
	}
	if why := pre["madvise"]; !strings.Contains(why, "runtime.onlyAtStart: called only from runtime.schedinit") || !strings.Contains(why, "runtime.rt0_go") {
		t.Errorf("madvise: start-up proof %q, want the chain onlyAtStart <- schedinit <- rt0_go", why)
	}
	if why := pre["mprotect"]; !strings.Contains(why, "never called") {
		t.Errorf("mprotect: proof %q, want never called", why)
	}
	if len(p.Unresolved) != 1 || p.Unresolved[0].Func != "runtime.allThreads" {
		t.Errorf("Unresolved = %v, want allThreads' Syscall6(trap, ...)", p.Unresolved)
	}
	notes := strings.Join(p.Notes, "\n")
	for _, want := range []string{"SYS_setittimer is number 38, which the kernel calls setitimer", "looks up __vdso_getrandom but never calls it"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	// getrandom comes from the table alone: the fixture never calls the
	// vDSO getrandom it looks up.
	if s, _ := p.Lookup("getrandom", Base); len(s.Sites) != 1 || s.Sites[0].Func != "table" {
		t.Errorf("getrandom sites %v, want only the table entry", s.Sites)
	}
}

func TestExtractionErrors(t *testing.T) {
	for _, tc := range []struct{ futexNr, want string }{
		{"4000", "uses syscall number 4000 (SYS_futex), which the amd64 syscall table does not have"},
		{"0", `SYS_futex is number 0, but the amd64 syscall table calls 0 "read"`},
	} {
		goroot := fixtureWithFutex(t, tc.futexNr)
		_, err := For(goroot, "linux", "amd64")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("For with SYS_futex %s = %v, want an error containing %q", tc.futexNr, err, tc.want)
		}
	}
}

// fixtureWithFutex copies testdata/goroot-good into a temporary GOROOT
// whose assembly defines SYS_futex as nr instead of 202: the one line the
// error cases change.
func fixtureWithFutex(t *testing.T, nr string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS("testdata/goroot-good")); err != nil {
		t.Fatal(err)
	}
	asm := filepath.Join(dst, "src", "runtime", "sys_linux_amd64.s")
	src, err := os.ReadFile(asm)
	if err != nil {
		t.Fatal(err)
	}
	const good = "#define SYS_futex\t\t202"
	if !strings.Contains(string(src), good) {
		t.Fatalf("%s has no %q line to change", asm, good)
	}
	bad := strings.Replace(string(src), good, "#define SYS_futex\t\t"+nr, 1)
	if err := os.WriteFile(asm, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}
