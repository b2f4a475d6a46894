package selfsandbox

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

var sys kernel = linuxKernel{}

// rawSeccomp is the seccomp(2) system call. Tests replace it to play a
// kernel that lacks seccomp or fails TSYNC; nothing else may.
var rawSeccomp = func(op, flags uintptr, arg unsafe.Pointer) (uintptr, unix.Errno) {
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, op, flags, uintptr(arg))
	return r, errno
}

// rawSetNoNewPrivs is prctl(PR_SET_NO_NEW_PRIVS, 1) on the calling thread.
// Tests replace it together with rawSeccomp.
var rawSetNoNewPrivs = func() error {
	return unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
}

// rawInstall sets no_new_privs and installs fprog with flags on one thread,
// and reports what each step returned and the thread IDs before and after.
// It is installOnThread; tests replace it, or clear it to have install use
// rawSetNoNewPrivs and rawSeccomp on a locked OS thread.
var rawInstall func(flags uintptr, fprog unsafe.Pointer) installResult = installOnThread

// installResult is what installOnThread saw.
type installResult struct {
	tidBefore, tidAfter uintptr
	nnpErrno            unix.Errno
	ret                 uintptr // seccomp's return value: a TID when TSYNC failed
	errno               unix.Errno
}

// installOnThread is gettid, prctl(PR_SET_NO_NEW_PRIVS, 1), seccomp(
// SECCOMP_SET_MODE_FILTER, flags, fprog) and gettid, back to back on the
// calling thread, without runtime.LockOSThread.
//
// Both attributes are per-thread until TSYNC copies them, so prctl and
// seccomp must run on one thread. A goroutine changes threads only when it
// is descheduled, and here it cannot be: the function is nosplit (no
// prologue, so no cooperative preemption; the compiler marks every
// instruction of a nosplit function unsafe for asynchronous preemption,
// which the runtime then refuses) and calls only syscall.RawSyscall, itself
// nosplit, and the runtime's assembly, which is never preempted either;
// RawSyscall, unlike Syscall, does not hand the P to another thread. It is
// the guarantee syscall.forkAndExecInChild1 relies on between fork and
// exec. noinline keeps the body out of preemptible callers; norace keeps
// the race detector's calls out of it. install checks the thread IDs
// anyway, and retries should they ever differ.
//
// Measured on a loaded 2-vCPU VM with Go 1.26: runtime.LockOSThread costs
// 34–53 µs the first time in a binary without cgo, because it starts the
// runtime's template thread; this sequence costs what the two system calls
// cost.
//
//go:nosplit
//go:noinline
//go:norace
func installOnThread(flags uintptr, fprog unsafe.Pointer) installResult {
	var res installResult
	res.tidBefore, _, _ = syscall.RawSyscall(unix.SYS_GETTID, 0, 0, 0)
	_, _, e := syscall.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0)
	if e != 0 {
		res.nnpErrno = unix.Errno(e)
		res.tidAfter = res.tidBefore
		return res
	}
	r, _, e := syscall.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(fprog))
	res.ret, res.errno = r, unix.Errno(e)
	res.tidAfter, _, _ = syscall.RawSyscall(unix.SYS_GETTID, 0, 0, 0)
	return res
}

// installTries bounds install's retries when prctl and seccomp ran on
// different threads.
const installTries = 3

type linuxKernel struct{}

func (linuxKernel) supported() error {
	if _, ok := auditArches[runtime.GOARCH]; !ok {
		return unsupportedKernel{reason: "selfsandbox does not know the system call ABI of linux/" + runtime.GOARCH}.supported()
	}
	return nil
}

// prepare starts the runtime's network poller (see startPoller) when a
// program for this architecture is registered, from the generated file's
// init, so that Lock does not: it costs 18–30 µs (os.Pipe and two closes,
// the first time with epoll_create1 and eventfd2). Its error, if any, is
// kept for install, which tries again.
//
// It does not ask the kernel about the denying action: init also runs in
// a child this program starts under its own inherited filter (a copy of
// itself, say), where seccomp(2) is usually denied, and the runtime would
// create the poller there anyway at its first open file, which the exec
// group allows. install asks, about 2 µs.
func (linuxKernel) prepare(deny uint32) {
	poller.once.Do(func() { poller.err = startPoller() })
}

// poller is what prepare did.
var poller struct {
	once sync.Once
	err  error
}

// availability remembers an action the kernel said it knows: the answer
// does not change while the process runs.
var availability struct {
	mu     sync.Mutex
	action uint32
	known  bool
}

func (linuxKernel) install(insns []Instruction, deny uint32) error {
	// One seccomp(SECCOMP_GET_ACTION_AVAIL) call per action, about 2 µs:
	// not in prepare, which also runs in children under the inherited
	// filter.
	availability.mu.Lock()
	known := availability.known && availability.action == deny&retActionFull
	availability.mu.Unlock()
	if !known {
		if err := actionAvailable(deny); err != nil {
			return err
		}
		availability.mu.Lock()
		availability.action, availability.known = deny&retActionFull, true
		availability.mu.Unlock()
	}
	poller.once.Do(func() { poller.err = startPoller() })
	if poller.err != nil {
		// Register could not start it; nothing was installed since.
		if err := startPoller(); err != nil {
			return err
		}
	}
	flags := filterFlags(deny)
	// Instruction is laid out like struct sock_filter (checked at compile time below),
	// so the kernel reads the instructions where they are: no copy.
	fprog := unix.SockFprog{Len: uint16(len(insns)), Filter: (*unix.SockFilter)(unsafe.Pointer(&insns[0]))}
	if rawInstall == nil {
		// The seams of the tests: rawSetNoNewPrivs and rawSeccomp are
		// Go closures that may be preempted, so they run on a locked
		// thread.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := rawSetNoNewPrivs(); err != nil {
			return fmt.Errorf("selfsandbox: prctl(PR_SET_NO_NEW_PRIVS): %w", err)
		}
		r, errno := rawSeccomp(unix.SECCOMP_SET_MODE_FILTER, flags, unsafe.Pointer(&fprog))
		runtime.KeepAlive(insns)
		return filterError(r, errno, flags)
	}
	for try := 1; ; try++ {
		res := rawInstall(flags, unsafe.Pointer(&fprog))
		runtime.KeepAlive(insns)
		if res.nnpErrno != 0 {
			return fmt.Errorf("selfsandbox: prctl(PR_SET_NO_NEW_PRIVS): %w", res.nnpErrno)
		}
		if res.errno == unix.EACCES && res.tidBefore != res.tidAfter && try < installTries {
			// seccomp ran on another thread than prctl, one without
			// no_new_privs, and the kernel refused it (the process
			// lacks CAP_SYS_ADMIN): nothing was installed, and this
			// thread gets no_new_privs on the next try.
			continue
		}
		return filterError(res.ret, res.errno, flags)
	}
}

// Instruction is laid out like unix.SockFilter (struct sock_filter): each
// line fails to compile (a constant index out of range) otherwise, as
// install hands the kernel a program's instructions without copying them.
var (
	_ = [1]struct{}{}[unsafe.Sizeof(Instruction{})-unsafe.Sizeof(unix.SockFilter{})]
	_ = [1]struct{}{}[unsafe.Offsetof(Instruction{}.Jt)-unsafe.Offsetof(unix.SockFilter{}.Jt)]
	_ = [1]struct{}{}[unsafe.Offsetof(Instruction{}.Jf)-unsafe.Offsetof(unix.SockFilter{}.Jf)]
	_ = [1]struct{}{}[unsafe.Offsetof(Instruction{}.K)-unsafe.Offsetof(unix.SockFilter{}.K)]
)

func (linuxKernel) stack(insns []Instruction, deny uint32) error {
	// Every thread has no_new_privs and the first filter already, so any
	// thread may add to it; the locked filter allows seccomp(2) but
	// perhaps not prctl or SECCOMP_GET_ACTION_AVAIL.
	return loadFilter(insns, deny)
}

// loadFilter is seccomp(SECCOMP_SET_MODE_FILTER, TSYNC[|LOG], insns) with
// its failures turned into selfsandbox's errors.
func loadFilter(insns []Instruction, deny uint32) error {
	fprog := unix.SockFprog{Len: uint16(len(insns)), Filter: (*unix.SockFilter)(unsafe.Pointer(&insns[0]))}
	flags := filterFlags(deny)
	r, errno := rawSeccomp(unix.SECCOMP_SET_MODE_FILTER, flags, unsafe.Pointer(&fprog))
	runtime.KeepAlive(insns)
	return filterError(r, errno, flags)
}

// filterFlags are the flags of SECCOMP_SET_MODE_FILTER for a filter whose
// denying action is deny.
func filterFlags(deny uint32) uintptr {
	flags := uintptr(unix.SECCOMP_FILTER_FLAG_TSYNC)
	if deny&retActionFull == retLog {
		flags |= unix.SECCOMP_FILTER_FLAG_LOG
	}
	return flags
}

// filterError turns what seccomp(SECCOMP_SET_MODE_FILTER, flags) returned
// into selfsandbox's errors, or nil.
func filterError(r uintptr, errno unix.Errno, flags uintptr) error {
	switch {
	case errno == 0 && r == 0:
		return nil
	case errno == 0:
		// With TSYNC, a positive return is the ID of a thread that could
		// not be synchronised; no thread got the filter.
		return &TSyncError{TID: int(r)}
	case errno == unix.ENOSYS:
		return fmt.Errorf("selfsandbox: seccomp(2) does not exist in this kernel (Linux 3.17+ with CONFIG_SECCOMP needed): %w", ErrSeccompUnavailable)
	case errno == unix.EINVAL:
		// The program passed the same checks the kernel makes, so the
		// kernel lacks what we asked for: filter mode or a flag.
		return fmt.Errorf("selfsandbox: the kernel refused a valid filter (EINVAL): it lacks CONFIG_SECCOMP_FILTER "+
			"or the flags %#x (TSYNC needs Linux 3.17, LOG 4.14): %w", flags, ErrSeccompUnavailable)
	case errno == unix.ENOMEM:
		return fmt.Errorf("selfsandbox: seccomp(SECCOMP_SET_MODE_FILTER): %w (the filters stacked on this process "+
			"exceed the kernel's 32768 instructions; call Drop once with every name instead of many times)", errno)
	}
	return fmt.Errorf("selfsandbox: seccomp(SECCOMP_SET_MODE_FILTER): %w", errno)
}

// actionAvailable asks the kernel whether it knows the SECCOMP_RET_* action
// (SECCOMP_GET_ACTION_AVAIL, Linux 4.14+), so that a kernel that would turn
// KILL_PROCESS or LOG into something else is caught before anything is
// installed.
func actionAvailable(ret uint32) error {
	action := ret & retActionFull
	_, errno := rawSeccomp(unix.SECCOMP_GET_ACTION_AVAIL, 0, unsafe.Pointer(&action))
	switch errno {
	case 0:
		return nil
	case unix.ENOSYS:
		return fmt.Errorf("selfsandbox: seccomp(2) does not exist in this kernel (Linux 3.17+ with CONFIG_SECCOMP needed): %w", ErrSeccompUnavailable)
	case unix.EINVAL:
		return fmt.Errorf("selfsandbox: the kernel predates SECCOMP_GET_ACTION_AVAIL and SECCOMP_RET_KILL_PROCESS (Linux 4.14 needed): %w", ErrSeccompUnavailable)
	case unix.EOPNOTSUPP:
		return fmt.Errorf("selfsandbox: the kernel does not support the seccomp action %#x: %w", action, ErrSeccompUnavailable)
	}
	return fmt.Errorf("selfsandbox: seccomp(SECCOMP_GET_ACTION_AVAIL, %#x): %w", action, errno)
}

// startPoller makes sure the runtime's network poller exists before the
// filter does. The runtime creates it once, on the first pollable file
// (epoll_create1, eventfd2); creating it here lets sandboxgen leave those
// two syscalls out of every filter (runtimeprofile.TriggerNetpollInit), as
// nothing after Lock can need them. A pipe is pollable, so opening one
// through package os starts the poller.
func startPoller() error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("selfsandbox: starting the runtime's network poller (a pipe): %w", err)
	}
	r.Close()
	w.Close()
	return nil
}
