package selfsandbox

import (
	"fmt"
	"os"
	"runtime"
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

type linuxKernel struct{}

func (linuxKernel) supported() error {
	if _, ok := auditArches[runtime.GOARCH]; !ok {
		return unsupportedKernel{reason: "selfsandbox does not know the system call ABI of linux/" + runtime.GOARCH}.supported()
	}
	return nil
}

func (linuxKernel) install(insns []Instruction, deny uint32) error {
	if err := actionAvailable(deny); err != nil {
		return err
	}
	if err := startPoller(); err != nil {
		return err
	}
	// no_new_privs and the filter are per-thread attributes until TSYNC
	// copies both to every thread, so both calls must run on one thread:
	// the one this goroutine is locked to. LockOSThread nests, so a caller
	// that locked its own thread stays locked.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := rawSetNoNewPrivs(); err != nil {
		return fmt.Errorf("selfsandbox: prctl(PR_SET_NO_NEW_PRIVS): %w", err)
	}
	return loadFilter(insns, deny)
}

func (linuxKernel) stack(insns []Instruction, deny uint32) error {
	// Every thread has no_new_privs and the first filter already, so any
	// thread may add to it; the locked filter allows seccomp(2) but
	// perhaps not prctl or SECCOMP_GET_ACTION_AVAIL.
	return loadFilter(insns, deny)
}

// loadFilter is seccomp(SECCOMP_SET_MODE_FILTER, TSYNC[|LOG], insns) with
// its failures turned into selfsandbox's errors.
func loadFilter(insns []Instruction, deny uint32) error {
	filter := make([]unix.SockFilter, len(insns))
	for i, in := range insns {
		filter[i] = unix.SockFilter{Code: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	flags := uintptr(unix.SECCOMP_FILTER_FLAG_TSYNC)
	if deny&retActionFull == retLog {
		flags |= unix.SECCOMP_FILTER_FLAG_LOG
	}
	r, errno := rawSeccomp(unix.SECCOMP_SET_MODE_FILTER, flags, unsafe.Pointer(&prog))
	runtime.KeepAlive(filter)
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
