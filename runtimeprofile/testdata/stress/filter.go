package main

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// lockDown installs a seccomp filter that allows exactly the syscall
// numbers in list (comma-separated) and kills the process on anything
// else, on every thread (TSYNC). It is deliberately simple (a linear list
// of comparisons): the stress test checks the runtime profile, not the
// filter compiler. errnos lists "nr=errno" pairs answered with that errno.
func lockDown(list, errnos string) error {
	var auditArch uint32
	x32 := false
	switch runtime.GOARCH {
	case "amd64":
		auditArch, x32 = 0xc000003e, true
	case "arm64":
		auditArch = 0xc00000b7
	default:
		return fmt.Errorf("no AUDIT_ARCH for %s", runtime.GOARCH)
	}
	var nrs []uint32
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 32)
		if err != nil {
			return fmt.Errorf("bad syscall number %q", f)
		}
		nrs = append(nrs, uint32(n))
	}
	type errnoRule struct{ nr, errno uint32 }
	var errs []errnoRule
	for _, f := range strings.Split(errnos, ",") {
		if f == "" {
			continue
		}
		a, b, _ := strings.Cut(f, "=")
		nr, err1 := strconv.ParseUint(a, 10, 32)
		e, err2 := strconv.ParseUint(b, 10, 16)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("bad errno rule %q, want nr=errno", f)
		}
		errs = append(errs, errnoRule{uint32(nr), uint32(e)})
	}
	const (
		ld   = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		jeq  = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		jge  = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
		ret  = unix.BPF_RET | unix.BPF_K
		kill = unix.SECCOMP_RET_KILL_PROCESS
	)
	prog := []unix.SockFilter{
		{Code: ld, K: 4}, // seccomp_data.arch
		{Code: jeq, Jt: 1, K: auditArch},
		{Code: ret, K: kill},
		{Code: ld, K: 0}, // seccomp_data.nr
	}
	if x32 {
		prog = append(prog, unix.SockFilter{Code: jge, Jt: 0, Jf: 1, K: 0x40000000}, unix.SockFilter{Code: ret, K: kill})
	}
	for _, r := range errs {
		prog = append(prog, unix.SockFilter{Code: jeq, Jf: 1, K: r.nr}, unix.SockFilter{Code: ret, K: unix.SECCOMP_RET_ERRNO | r.errno})
	}
	for i, nr := range nrs {
		// Jump to the ALLOW at the end when equal.
		prog = append(prog, unix.SockFilter{Code: jeq, Jt: uint8(len(nrs) - i), K: nr})
	}
	prog = append(prog, unix.SockFilter{Code: ret, K: kill}, unix.SockFilter{Code: ret, K: unix.SECCOMP_RET_ALLOW})
	if len(nrs) > 250 {
		return fmt.Errorf("too many syscalls for short jumps: %d", len(nrs))
	}
	return install(prog)
}

// install sets no_new_privs and installs prog on every thread (TSYNC).
func install(prog []unix.SockFilter) error {
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("PR_SET_NO_NEW_PRIVS: %v", err)
	}
	r, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
	if errno != 0 {
		return fmt.Errorf("seccomp: %v", errno)
	}
	if r != 0 {
		return fmt.Errorf("seccomp TSYNC failed on thread %d", r)
	}
	return nil
}
