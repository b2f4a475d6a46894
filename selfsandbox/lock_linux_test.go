package selfsandbox_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sandboxgen/sandboxgen/internal/childtest"
	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// startLockedThreads starts n goroutines that each hold an OS thread of
// their own (LockOSThread, then block), so that the process has at least n
// more threads, and waits until all of them run.
func startLockedThreads(n int, stop <-chan struct{}) []int {
	tids := make(chan int, n)
	for range n {
		go func() {
			runtime.LockOSThread()
			tids <- unix.Gettid()
			<-stop
		}()
	}
	out := make([]int, n)
	for i := range out {
		out[i] = <-tids
	}
	return out
}

// TestEveryThreadLocked: threads that existed before Lock and threads the
// runtime creates afterwards all run under the filter with no_new_privs.
// TSYNC copies no_new_privs to the other threads only from a calling thread
// that has it, and a process with CAP_SYS_ADMIN (root here) may install a
// filter without it, so no_new_privs on every thread also shows that prctl
// and seccomp ran on one thread, which Lock ensures without LockOSThread.
func TestEveryThreadLocked(t *testing.T) {
	needKernel(t)
	if childtest.InChild(t) {
		registerPolicy(t, childPolicy(t))
		stop := make(chan struct{})
		before := startLockedThreads(4, stop)
		existing, err := readTasks()
		if err != nil {
			t.Fatalf("reading /proc/self/task: %v", err)
		}
		if err := selfsandbox.Lock(); err != nil {
			t.Fatalf("Lock: %v", err)
		}
		// New threads after Lock: more Ps, more locked goroutines, and
		// goroutines blocked in system calls (the runtime hands their P
		// to a new thread).
		runtime.GOMAXPROCS(runtime.NumCPU() + 4)
		after := startLockedThreads(4, stop)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				ts := unix.Timespec{Nsec: 50e6}
				unix.Nanosleep(&ts, nil)
			})
		}
		wg.Wait()
		tasks, err := readTasks()
		if err != nil {
			t.Fatalf("reading /proc/self/task: %v", err)
		}
		fmt.Printf("before %v\nafter %v\n", before, after)
		for _, ts := range tasks {
			if !slices.ContainsFunc(existing, func(e taskStatus) bool { return e.TID == ts.TID }) {
				fmt.Printf("new thread %d\n", ts.TID)
			}
		}
		for _, ts := range tasks {
			fmt.Printf("task %d Seccomp=%s NoNewPrivs=%s\n", ts.TID, ts.Seccomp, ts.NoNewPrivs)
		}
		close(stop)
		return
	}
	r := runChild(t)
	if r.ExitCode != 0 {
		t.Fatalf("child failed: %v", r)
	}
	tasks := map[int]string{}
	for _, m := range regexp.MustCompile(`(?m)^task (\d+) (Seccomp=\S+ NoNewPrivs=\S+)$`).FindAllStringSubmatch(r.Stdout, -1) {
		tid, _ := strconv.Atoi(m[1])
		tasks[tid] = m[2]
	}
	if len(tasks) < 9 {
		t.Fatalf("the child listed %d threads, want at least 9 (main + 4 before + 4 after): %v", len(tasks), r)
	}
	for tid, state := range tasks {
		if state != "Seccomp=2 NoNewPrivs=1" {
			t.Errorf("thread %d: %s, want Seccomp=2 NoNewPrivs=1", tid, state)
		}
	}
	// The runtime may hand the goroutines started after Lock threads it
	// made before; the GOMAXPROCS rise and the blocked calls must still
	// have made at least one thread that did not exist at Lock.
	if n := len(regexp.MustCompile(`(?m)^new thread \d+$`).FindAllString(r.Stdout, -1)); n == 0 {
		t.Errorf("no thread was created after Lock, so inheritance was not tested: %v", r)
	}
	for _, which := range []string{"before", "after"} {
		m := regexp.MustCompile(`(?m)^` + which + ` \[([\d ]+)\]$`).FindStringSubmatch(r.Stdout)
		if m == nil {
			t.Fatalf("child did not report its %s threads: %v", which, r)
		}
		for f := range strings.FieldsSeq(m[1]) {
			tid, _ := strconv.Atoi(f)
			if _, ok := tasks[tid]; !ok {
				t.Errorf("thread %d started %s Lock is missing from the child's task list", tid, which)
			}
		}
	}
}

// TestCgoPthreadsLocked: in a cgo program, pthreads that C started before
// Lock and after it run under the filter with no_new_privs, like Go's.
func TestCgoPthreadsLocked(t *testing.T) {
	needKernel(t)
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed: the cgo test program cannot be built (apt-get install gcc)")
	}
	allow, errno := runtimeSyscalls(t)
	bin := filepath.Join(t.TempDir(), "cgopthreads")
	build := exec.Command("go", "build", "-o", bin, "./testdata/cgopthreads")
	build.Env = append(os.Environ(), "CGO_ENABLED=1", "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building testdata/cgopthreads with cgo: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), envAllow+"="+allow, envErrno+"="+errno)
	r := childtest.RunCommand(t, cmd)
	if r.ExitCode != 0 {
		t.Fatalf("cgopthreads failed: %v", r)
	}
	tasks := map[int]string{}
	for _, m := range regexp.MustCompile(`(?m)^task (\d+) (Seccomp=\S+ NoNewPrivs=\S+)$`).FindAllStringSubmatch(r.Stdout, -1) {
		tid, _ := strconv.Atoi(m[1])
		tasks[tid] = m[2]
	}
	for tid, state := range tasks {
		if state != "Seccomp=2 NoNewPrivs=1" {
			t.Errorf("thread %d: %s, want Seccomp=2 NoNewPrivs=1", tid, state)
		}
	}
	for _, which := range []string{"before", "after"} {
		m := regexp.MustCompile(`(?m)^` + which + ` \[([\d ]+)\]$`).FindStringSubmatch(r.Stdout)
		if m == nil {
			t.Fatalf("cgopthreads did not report the pthreads started %s Lock: %v", which, r)
		}
		for f := range strings.FieldsSeq(m[1]) {
			tid, _ := strconv.Atoi(f)
			if _, ok := tasks[tid]; !ok {
				t.Errorf("pthread %d started %s Lock is missing from the task list", tid, which)
			}
		}
	}
	if t.Failed() {
		t.Logf("%v", r)
	}
}

// probeDenied is a system call the test policies deny: getppid, which
// neither the runtime nor the testing package makes.
func probeDenied() (uintptr, unix.Errno) {
	r, _, e := unix.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
	return r, e
}

// TestModes: an allowed call works, and a denied one does what the mode
// says, whether the mode comes from the code, the environment or the
// program.
func TestModes(t *testing.T) {
	needKernel(t)
	tests := []struct {
		name string
		env  string // SELFSANDBOX_MODE
		opts selfsandbox.Options
		want string // "killed", "trap", "errno", "allowed"
	}{
		{"enforce-default", "", selfsandbox.Options{}, "killed"},
		{"enforce-code", "", selfsandbox.Options{Mode: selfsandbox.ModeEnforce}, "killed"},
		{"enforce-env", "enforce", selfsandbox.Options{}, "killed"},
		{"trap-env", "trap", selfsandbox.Options{}, "trap"},
		{"trap-code", "", selfsandbox.Options{Mode: selfsandbox.ModeTrap}, "trap"},
		{"errno-code", "", selfsandbox.Options{Mode: selfsandbox.ModeErrno}, "errno"},
		{"errno-env", "errno", selfsandbox.Options{}, "errno"},
		{"log-env", "log", selfsandbox.Options{}, "allowed"},
		{"log-code", "", selfsandbox.Options{Mode: selfsandbox.ModeLog}, "allowed"},
		// The code's choice beats the environment's.
		{"code-beats-env", "log", selfsandbox.Options{Mode: selfsandbox.ModeErrno}, "errno"},
		// IgnoreEnv keeps the program's baked KILL_PROCESS.
		{"ignore-env", "log", selfsandbox.Options{IgnoreEnv: true}, "killed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if childtest.InChild(t) {
				registerPolicy(t, childPolicy(t))
				if err := selfsandbox.LockWith(tc.opts); err != nil {
					t.Fatalf("LockWith: %v", err)
				}
				fmt.Printf("mode %v\n", selfsandbox.Current().Mode)
				if pid := os.Getpid(); pid > 0 {
					fmt.Printf("allowed getpid: ok\n")
				}
				ppid, e := probeDenied()
				fmt.Printf("denied getppid: %d errno=%d\n", ppid, int(e))
				return
			}
			r := runChild(t, selfsandbox.EnvMode+"="+tc.env)
			if !strings.Contains(r.Stdout, "allowed getpid: ok") {
				t.Fatalf("the allowed call did not run: %v", r)
			}
			switch tc.want {
			case "killed":
				if r.Signal != syscall.SIGSYS || strings.Contains(r.Stdout, "denied getppid") {
					t.Fatalf("want the child killed by SIGSYS at getppid: %v", r)
				}
			case "trap":
				if r.ExitCode != 2 || !strings.Contains(r.Stderr, "SIGSYS: bad system call") ||
					!regexp.MustCompile(`(?m)^goroutine \d+ `).MatchString(r.Stderr) || !strings.Contains(r.Stderr, "probeDenied") {
					t.Fatalf("want the Go runtime's SIGSYS crash with a traceback through probeDenied: %v", r)
				}
			case "errno":
				if r.ExitCode != 0 || !strings.Contains(r.Stdout, fmt.Sprintf("errno=%d\n", int(unix.EPERM))) {
					t.Fatalf("want getppid to fail with EPERM and the child to finish: %v", r)
				}
			case "allowed":
				want := fmt.Sprintf("denied getppid: %d errno=0\n", os.Getpid())
				if r.ExitCode != 0 || !strings.Contains(r.Stdout, want) {
					t.Fatalf("want getppid to succeed (%q) and the child to finish: %v", want, r)
				}
			}
		})
	}
}

// TestAlreadyLocked: a second Lock is an error that wraps ErrAlreadyLocked,
// and the first filter stays in place.
func TestAlreadyLocked(t *testing.T) {
	needKernel(t)
	if childtest.InChild(t) {
		registerPolicy(t, childPolicy(t))
		if err := selfsandbox.LockWith(selfsandbox.Options{Mode: selfsandbox.ModeErrno}); err != nil {
			t.Fatalf("Lock: %v", err)
		}
		err := selfsandbox.LockWith(selfsandbox.Options{Mode: selfsandbox.ModeLog})
		fmt.Printf("second: is=%v err=%v\n", errors.Is(err, selfsandbox.ErrAlreadyLocked), err)
		_, e := probeDenied()
		fmt.Printf("mode %v getppid errno=%d\n", selfsandbox.Current().Mode, int(e))
		return
	}
	r := runChild(t)
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "second: is=true") {
		t.Fatalf("want the second Lock to fail with ErrAlreadyLocked: %v", r)
	}
	if !strings.Contains(r.Stdout, fmt.Sprintf("mode errno getppid errno=%d\n", int(unix.EPERM))) {
		t.Fatalf("want the first (errno) filter still in force: %v", r)
	}
}

// TestGoVersionMismatch: a program stamped with another Go minor version is
// refused with a *GoVersionError and nothing is installed; the option
// installs it anyway.
func TestGoVersionMismatch(t *testing.T) {
	needKernel(t)
	if childtest.InChild(t) {
		registerPolicy(t, childPolicy(t), "go1.20.3")
		err := selfsandbox.Lock()
		var verr *selfsandbox.GoVersionError
		fmt.Printf("as=%v program=%s running=%s seccomp=%s\n", errors.As(err, &verr), verr.Program, verr.Running, selfSeccomp())
		if err := selfsandbox.LockWith(selfsandbox.Options{AllowGoVersionMismatch: true}); err != nil {
			t.Fatalf("LockWith(AllowGoVersionMismatch): %v", err)
		}
		fmt.Printf("opted out: seccomp=%s\n", selfSeccomp())
		return
	}
	r := runChild(t)
	want := fmt.Sprintf("as=true program=go1.20.3 running=%s seccomp=0\n", runtime.Version())
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, want) || !strings.Contains(r.Stdout, "opted out: seccomp=2\n") {
		t.Fatalf("want %q, then the filter installed with the option: %v", want, r)
	}
}

// TestNoProgram: with nothing registered Lock says to run go generate and
// installs nothing.
func TestNoProgram(t *testing.T) {
	needKernel(t)
	if childtest.InChild(t) {
		err := selfsandbox.Lock()
		fmt.Printf("is=%v seccomp=%s err=%v\n", errors.Is(err, selfsandbox.ErrNoProgram), selfSeccomp(), err)
		return
	}
	r := runChild(t)
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "is=true seccomp=0 ") || !strings.Contains(r.Stdout, "go generate") {
		t.Fatalf("want ErrNoProgram naming go generate: %v", r)
	}
}

// TestInvalidProgram: a program the kernel would reject is refused before
// anything is installed.
func TestInvalidProgram(t *testing.T) {
	needKernel(t)
	if childtest.InChild(t) {
		audit, _ := selfsandbox.AuditArch(runtime.GOARCH)
		selfsandbox.Register(selfsandbox.Program{
			Arch: runtime.GOARCH, AuditArch: audit, DefaultAction: 0x80000000, GoVersion: runtime.Version(),
			Instructions: []selfsandbox.Instruction{{Code: 0x20, K: 4}}, // a load, no return
		})
		err := selfsandbox.Lock()
		fmt.Printf("is=%v seccomp=%s err=%v\n", errors.Is(err, selfsandbox.ErrInvalidProgram), selfSeccomp(), err)
		return
	}
	r := runChild(t)
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "is=true seccomp=0 ") || !strings.Contains(r.Stdout, "not a return") {
		t.Fatalf("want ErrInvalidProgram naming the missing return: %v", r)
	}
}

// TestTSyncFailure: a thread with a filter of its own (installed without
// TSYNC) makes the kernel refuse to synchronise; Lock returns a
// *TSyncError carrying that thread's TID and installs nothing.
func TestTSyncFailure(t *testing.T) {
	needKernel(t)
	if childtest.InChild(t) {
		registerPolicy(t, childPolicy(t))
		type result struct {
			tid int
			err error
		}
		ready := make(chan result)
		stop := make(chan struct{})
		go func() {
			runtime.LockOSThread() // never unlocked: the thread keeps its filter and stays
			allowAll := []unix.SockFilter{{Code: 0x06, K: 0x7fff0000}}
			prog := unix.SockFprog{Len: 1, Filter: &allowAll[0]}
			err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
			if err == nil {
				_, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&prog)))
				if e != 0 {
					err = e
				}
			}
			ready <- result{unix.Gettid(), err}
			<-stop
		}()
		own := <-ready
		if own.err != nil {
			t.Fatalf("installing the thread's own filter: %v", own.err)
		}
		err := selfsandbox.Lock()
		var terr *selfsandbox.TSyncError
		if !errors.As(err, &terr) {
			t.Fatalf("Lock: %v, want a *TSyncError", err)
		}
		fmt.Printf("tsync tid=%d want=%d locked=%v seccomp=%s\nerr: %v\n", terr.TID, own.tid, selfsandbox.Current().Locked, selfSeccomp(), err)
		return
	}
	r := runChild(t)
	m := regexp.MustCompile(`tsync tid=(\d+) want=(\d+) locked=(\w+) seccomp=(\d)`).FindStringSubmatch(r.Stdout)
	if r.ExitCode != 0 || m == nil {
		t.Fatalf("child failed: %v", r)
	}
	if m[1] != m[2] || m[1] == "0" {
		t.Errorf("TSyncError.TID = %s, want the filtered thread's %s", m[1], m[2])
	}
	if m[3] != "false" || m[4] != "0" {
		t.Errorf("after a failed TSYNC: Current().Locked=%s, caller's Seccomp=%s; want false and 0", m[3], m[4])
	}
}

// TestDrop: Drop denies a call Lock allowed, with the mode's action, and the
// other allowed calls keep working.
func TestDrop(t *testing.T) {
	needKernel(t)
	tests := []struct {
		name string
		mode selfsandbox.Mode
	}{
		{"errno", selfsandbox.ModeErrno},
		{"enforce", selfsandbox.ModeEnforce},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if childtest.InChild(t) {
				registerPolicy(t, childPolicy(t, "uname", "getcwd", "seccomp"))
				if err := selfsandbox.LockWith(selfsandbox.Options{Mode: tc.mode}); err != nil {
					t.Fatalf("LockWith: %v", err)
				}
				var u unix.Utsname
				fmt.Printf("uname before: %v\n", unix.Uname(&u))
				err := selfsandbox.Drop("unmae")
				fmt.Printf("typo: is=%v err=%v\n", errors.Is(err, selfsandbox.ErrNotAllowed), err)
				if err := selfsandbox.Drop("uname", "uname"); err != nil {
					t.Fatalf("Drop: %v", err)
				}
				fmt.Printf("dropped %v\n", selfsandbox.Current().Dropped)
				_, err = os.Getwd()
				fmt.Printf("getcwd after: %v\n", err)
				fmt.Printf("getpid after: %v\n", os.Getpid() > 0)
				fmt.Printf("uname after: %v\n", unix.Uname(&u))
				return
			}
			r := runChild(t)
			for _, want := range []string{
				"uname before: <nil>\n",
				"typo: is=true ",
				`did you mean "uname"`,
				"dropped [uname]\n",
				"getcwd after: <nil>\n",
				"getpid after: true\n",
			} {
				if !strings.Contains(r.Stdout, want) {
					t.Errorf("child output lacks %q", want)
				}
			}
			switch tc.mode {
			case selfsandbox.ModeErrno:
				if r.ExitCode != 0 || !strings.Contains(r.Stdout, "uname after: operation not permitted\n") {
					t.Errorf("want uname to fail with EPERM after Drop: %v", r)
				}
			case selfsandbox.ModeEnforce:
				if r.Signal != syscall.SIGSYS || strings.Contains(r.Stdout, "uname after:") {
					t.Errorf("want the child killed by SIGSYS at uname after Drop: %v", r)
				}
			}
			if t.Failed() {
				t.Logf("%v", r)
			}
		})
	}
}

// TestDropWithoutSeccomp: Drop runs under the locked filter; when that
// denies seccomp(2), Drop says so instead of dying at its own call.
func TestDropWithoutSeccomp(t *testing.T) {
	needKernel(t)
	if childtest.InChild(t) {
		registerPolicy(t, childPolicy(t, "uname"))
		if err := selfsandbox.Lock(); err != nil {
			t.Fatalf("Lock: %v", err)
		}
		err := selfsandbox.Drop("uname")
		var u unix.Utsname
		fmt.Printf("is=%v dropped=%v uname=%v\nerr: %v\n", errors.Is(err, selfsandbox.ErrNotAllowed), selfsandbox.Current().Dropped, unix.Uname(&u), err)
		return
	}
	r := runChild(t)
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "is=true dropped=[] uname=<nil>\n") || !strings.Contains(r.Stdout, "does not allow seccomp(2)") {
		t.Fatalf("want Drop to fail with ErrNotAllowed naming seccomp(2), in enforce mode, and uname still allowed: %v", r)
	}
}

// TestDropBeforeLock: Drop needs Lock first.
func TestDropBeforeLock(t *testing.T) {
	needKernel(t)
	if childtest.InChild(t) {
		err := selfsandbox.Drop("uname")
		fmt.Printf("is=%v seccomp=%s\n", errors.Is(err, selfsandbox.ErrNotLocked), selfSeccomp())
		return
	}
	r := runChild(t)
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "is=true seccomp=0\n") {
		t.Fatalf("want ErrNotLocked and no filter: %v", r)
	}
}
