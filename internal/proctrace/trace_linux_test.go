package proctrace

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"unsafe"

	"github.com/sandboxgen/sandboxgen/internal/systable"
	"golang.org/x/sys/unix"
)

// childEnv marks the re-executed test binary as the traced child.
const childEnv = "PROCTRACE_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "lock" {
		lockedChild()
		return
	}
	os.Exit(m.Run())
}

// lockedChild installs an allow-everything seccomp filter, then makes
// getppid and starts /bin/true: after the filter, so both count as After.
func lockedChild() {
	runtime.LockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		panic(err)
	}
	insns := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW}}
	prog := unix.SockFprog{Len: 1, Filter: &insns[0]}
	if _, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&prog))); e != 0 {
		panic(e)
	}
	unix.Getppid()
	// A number no syscall has: the kernel answers ENOSYS.
	unix.Syscall(999, 0, 0, 0)
	if err := exec.Command("/bin/true").Run(); err != nil {
		panic(err)
	}
	os.Exit(3)
}

func trace(t *testing.T, c Command) *Result {
	t.Helper()
	res, err := Run(c)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// find returns the count of name made by exe, summed over architectures.
func find(t *testing.T, res *Result, exe, name string) (Count, bool) {
	t.Helper()
	table, err := systable.Lookup(runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	nr, ok := table.Number(name)
	if !ok {
		t.Fatalf("no syscall %s on %s", name, runtime.GOARCH)
	}
	for _, c := range res.Counts {
		if c.Exe == exe && c.Nr == nr && c.AuditArch == table.AuditArch {
			return c, true
		}
	}
	return Count{}, false
}

func findNr(res *Result, exe string, nr uint32) (Count, bool) {
	for _, c := range res.Counts {
		if c.Exe == exe && c.Nr == nr {
			return c, true
		}
	}
	return Count{}, false
}

func TestTraceShellPipeline(t *testing.T) {
	sh, _ := os.Readlink("/bin/sh")
	if sh == "" {
		t.Skip("no /bin/sh")
	}
	res := trace(t, Command{Path: "/bin/sh", Args: []string{"sh", "-c", "ls / | wc -l; exit 4"}})
	if res.ExitCode != 4 || res.Signal != 0 {
		t.Fatalf("the shell ended with %v, want exit code 4", res)
	}
	if res.Locked {
		t.Errorf("Locked is true, but nothing installed a filter")
	}
	ls, _ := exec.LookPath("ls")
	wc, _ := exec.LookPath("wc")
	ls, _ = resolve(ls)
	wc, _ = resolve(wc)
	for _, tt := range []struct{ exe, name string }{{ls, "getdents64"}, {wc, "read"}, {ls, "exit_group"}} {
		c, ok := find(t, res, tt.exe, tt.name)
		if !ok || c.Before == 0 || c.After != 0 || c.Program {
			t.Errorf("%s by %s: %+v (found %v), want counted Before, not as the program", tt.name, tt.exe, c, ok)
		}
	}
	// The shell's own pipe2 and its forks' execve (made before the new
	// executable replaces the shell) are the program's.
	var progExe string
	for _, c := range res.Counts {
		if c.Program {
			progExe = c.Exe
		}
	}
	for _, name := range []string{"pipe2", "execve"} {
		if c, ok := find(t, res, progExe, name); !ok || !c.Program {
			t.Errorf("%s of the shell (%s) not counted as the program's: %+v", name, progExe, c)
		}
	}
}

// resolve follows symbolic links, as /proc/PID/exe does.
func resolve(p string) (string, error) {
	return filepath.EvalSymlinks(p)
}

func TestTraceLockedProcess(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	res := trace(t, Command{Path: exe, Args: []string{exe}, Env: append(os.Environ(), childEnv+"=lock")})
	if res.ExitCode != 3 {
		t.Fatalf("the child ended with %v, want exit code 3", res)
	}
	if !res.Locked {
		t.Fatalf("Locked is false after the child installed a filter")
	}
	if c, ok := find(t, res, exe, "getppid"); !ok || c.After == 0 || !c.Program {
		t.Errorf("getppid after the filter: %+v (found %v), want counted After as the program", c, ok)
	}
	if c, ok := find(t, res, exe, "prctl"); !ok || c.Before == 0 {
		t.Errorf("prctl(NO_NEW_PRIVS) before the filter: %+v (found %v), want counted Before", c, ok)
	}
	if c, ok := findNr(res, exe, 999); !ok || c.ENOSYS != 1 || c.After != 1 {
		t.Errorf("syscall 999: %+v (found %v), want one call after the filter, answered ENOSYS", c, ok)
	}
	if c, ok := find(t, res, exe, "getppid"); ok && c.ENOSYS != 0 {
		t.Errorf("getppid counted as answered ENOSYS: %+v", c)
	}
	tr, _ := exec.LookPath("true")
	tr, _ = resolve(tr)
	if c, ok := find(t, res, tr, "exit_group"); !ok || c.After == 0 || c.Before != 0 || c.Program {
		t.Errorf("exit_group of %s started after the filter: %+v (found %v), want counted After only", tr, c, ok)
	}
}

// TestTraceLeavesOtherChildren starts a child from another goroutine while
// a trace runs: the tracer must not reap it.
func TestTraceLeavesOtherChildren(t *testing.T) {
	started := make(chan int, 1)
	done := make(chan *Result, 1)
	go func() {
		res, err := Run(Command{Path: "/bin/sh", Args: []string{"sh", "-c", "sleep 0.6"}, Started: func(pid int) { started <- pid }})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	<-started
	other := exec.Command("/bin/sh", "-c", "sleep 0.2; exit 7")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	err := other.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Errorf("the other child's Wait: %v, want exit status 7 (the tracer must not reap it)", err)
	}
	if res := <-done; res == nil || res.ExitCode != 0 {
		t.Errorf("the traced command: %v", res)
	}
}
