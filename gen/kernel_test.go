package gen

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sandboxgen/sandboxgen/internal/childtest"
)

// goRuntimeSyscalls lets a Go child keep running after its filter is in
// place: what the runtime and the test's own output need.
var goRuntimeSyscalls = []string{
	"futex", "mmap", "munmap", "madvise", "mprotect", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
	"sigaltstack", "clone", "gettid", "getpid", "tgkill", "sched_yield", "nanosleep", "exit", "exit_group",
	"epoll_pwait", "epoll_ctl", "epoll_create1", "eventfd2", "read", "write", "close", "restart_syscall",
	"getrandom", "prctl", "sched_getaffinity", "pread64", "openat", "fstat", "newfstatat", "fcntl",
}

// install loads insns as a seccomp filter on the calling thread (and with
// TSYNC on all threads), the way the kernel takes it from any loader.
func install(insns []sockFilter) error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return err
	}
	prog := unix.SockFprog{Len: uint16(len(insns)), Filter: (*unix.SockFilter)(unsafe.Pointer(&insns[0]))}
	_, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&prog)))
	if e != 0 {
		return e
	}
	return nil
}

// sockFilter has struct sock_filter's layout, for install.
type sockFilter struct {
	Code uint16
	Jt   uint8
	Jf   uint8
	K    uint32
}

// kernelPolicy allows the runtime's syscalls, uname, and fcntl(F_GETFD)
// only, answers getppid (and numbers no syscall has, x32 ones on amd64
// among them) with ERRNO(EPERM) through the default action and mkdirat
// with KILL_PROCESS; lseek is allowed only for an offset with a
// zero upper half, so a value that differs only in the upper 32 bits is
// told apart.
func kernelPolicy() Policy {
	p := Policy{Arch: runtime.GOARCH, Default: Errno(uint16(unix.EPERM)), Syscalls: map[string][]Rule{}}
	for _, n := range goRuntimeSyscalls {
		p.Syscalls[n] = []Rule{{Action: Allow}}
	}
	p.Syscalls["uname"] = []Rule{{Action: Allow}}
	p.Syscalls["fcntl"] = []Rule{{Action: Allow, Args: []ArgCond{{Index: 1, Op: OpEqual, Value: unix.F_GETFD}}}}
	p.Syscalls["lseek"] = []Rule{{Action: Allow, Args: []ArgCond{{Index: 1, Op: OpLess, Value: 1 << 32}}}}
	p.Syscalls["mkdirat"] = []Rule{{Action: KillProcess}}
	return p
}

// TestKernelAgrees loads a compiled program into the real kernel in a child
// and checks each probe's outcome against the policy's verdict.
func TestKernelAgrees(t *testing.T) {
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skip("kernel test needs linux/amd64 or linux/arm64")
	}
	if childtest.InChild(t) {
		kernelChild()
		return
	}
	r := childtest.Run(t, 0)
	if r.ExitCode != -1 || r.Signal != syscall.SIGSYS {
		t.Fatalf("want the child killed by SIGSYS at the mkdirat probe: %v", r)
	}
	want := []string{
		"uname: ok",
		"getppid: operation not permitted",
		"fcntl F_GETFD: ok",
		"fcntl F_GETFL: operation not permitted",
		"lseek small: ok",
		"lseek upper-half: operation not permitted",
		// Numbers no syscall has get the default action, not the
		// kernel's ENOSYS: the search's top range.
		"nr 1000: operation not permitted",
		"mkdirat:",
	}
	if runtime.GOARCH == "amd64" {
		// The x32 ABI's getpid: blocked by the same range.
		want = append(want, "x32 getpid: operation not permitted")
	}
	for _, w := range want {
		if !strings.Contains(r.Stdout, w) {
			t.Errorf("child output lacks %q", w)
		}
	}
	if strings.Contains(r.Stdout, "mkdirat survived") {
		t.Errorf("mkdirat was not killed")
	}
	if t.Failed() {
		t.Log(r)
	}
}

func kernelChild() {
	prog, err := Compile(kernelPolicy())
	if err != nil {
		fmt.Println("compile:", err)
		os.Exit(3)
	}
	insns := make([]sockFilter, len(prog.Instructions))
	for i, in := range prog.Instructions {
		insns[i] = sockFilter{in.Code, in.Jt, in.Jf, in.K}
	}
	f, err := os.Open("/dev/null")
	if err != nil {
		fmt.Println(err)
		os.Exit(3)
	}
	fd := int(f.Fd())
	runtime.LockOSThread()
	if err := install(insns); err != nil {
		fmt.Println("install:", err)
		os.Exit(3)
	}
	report := func(name string, err error) {
		if err == nil {
			fmt.Printf("%s: ok\n", name)
		} else {
			fmt.Printf("%s: %v\n", name, err)
		}
	}
	var u unix.Utsname
	report("uname", unix.Uname(&u))
	_, _, e := unix.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
	report("getppid", errnoErr(e))
	_, _, e = unix.Syscall(unix.SYS_FCNTL, uintptr(fd), unix.F_GETFD, 0)
	report("fcntl F_GETFD", errnoErr(e))
	_, _, e = unix.Syscall(unix.SYS_FCNTL, uintptr(fd), unix.F_GETFL, 0)
	report("fcntl F_GETFL", errnoErr(e))
	_, _, e = unix.Syscall(unix.SYS_LSEEK, uintptr(fd), 10, 0)
	report("lseek small", errnoErr(e))
	_, _, e = unix.Syscall(unix.SYS_LSEEK, uintptr(fd), 10|1<<32, 0)
	report("lseek upper-half", errnoErr(e))
	_, _, e = unix.RawSyscall(1000, 0, 0, 0)
	report("nr 1000", errnoErr(e))
	if runtime.GOARCH == "amd64" {
		const x32Bit = 0x40000000
		_, _, e = unix.RawSyscall(x32Bit|unix.SYS_GETPID, 0, 0, 0)
		report("x32 getpid", errnoErr(e))
	}
	fmt.Println("mkdirat:")
	os.Stdout.Sync()
	cwd := unix.AT_FDCWD
	_, _, e = unix.Syscall(unix.SYS_MKDIRAT, uintptr(cwd), 0, 0)
	fmt.Println("mkdirat survived:", e)
	os.Exit(0)
}

func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return errors.New(e.Error())
}
