package rawinstall

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/sandboxgen/sandboxgen/internal/bpf"
	"golang.org/x/sys/unix"
)

// Installer returns a function that installs insns with the two raw system
// calls. The program is converted to struct sock_filter here, so that the
// returned function times only the system calls.
func Installer(insns []bpf.Instruction) func() error {
	filter := make([]unix.SockFilter, len(insns))
	for i, in := range insns {
		filter[i] = unix.SockFilter{Code: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	return func() error {
		if _, _, e := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0); e != 0 {
			return e
		}
		r, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
		runtime.KeepAlive(filter)
		if e != 0 || r != 0 {
			return fmt.Errorf("seccomp: %v (returned %d)", e, r)
		}
		return nil
	}
}
