//go:build inject

package main

import (
	"fmt"
	"syscall"
	"unsafe"
)

func init() { inject = attempt }

// attempt makes one raw syscall as injected code would and returns its
// errno as a number ("0" when it succeeded). The clone attempts add
// CLONE_THREAD without CLONE_SIGHAND, which the kernel rejects with EINVAL
// once a call passes the filter: no namespace is ever created.
func attempt(what string) string {
	const protRW = syscall.PROT_READ | syscall.PROT_WRITE
	var errno syscall.Errno
	switch what {
	case "clone-newuser":
		_, _, errno = syscall.RawSyscall(syscall.SYS_CLONE, syscall.CLONE_NEWUSER|syscall.CLONE_THREAD, 0, 0)
	case "clone-newnet":
		_, _, errno = syscall.RawSyscall(syscall.SYS_CLONE, syscall.CLONE_NEWNET|syscall.CLONE_THREAD, 0, 0)
	case "mprotect-exec":
		mem, err := syscall.Mmap(-1, 0, 4096, protRW, syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			return "mmap: " + err.Error()
		}
		_, _, errno = syscall.RawSyscall(syscall.SYS_MPROTECT, uintptr(unsafe.Pointer(&mem[0])), 4096, syscall.PROT_READ|syscall.PROT_EXEC)
	case "mmap-exec":
		_, _, errno = syscall.RawSyscall6(syscall.SYS_MMAP, 0, 4096, syscall.PROT_READ|syscall.PROT_EXEC, syscall.MAP_PRIVATE|syscall.MAP_ANON, ^uintptr(0), 0)
	case "ioctl-tiocsti":
		// Pushes a byte into a terminal's input; on descriptor -1 the
		// kernel answers EBADF (9) once the call passes the filter.
		b := byte('x')
		_, _, errno = syscall.RawSyscall(syscall.SYS_IOCTL, ^uintptr(0), syscall.TIOCSTI, uintptr(unsafe.Pointer(&b)))
	default:
		return "unknown attempt"
	}
	return fmt.Sprint(uintptr(errno))
}
