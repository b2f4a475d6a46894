//go:build inject

package main

import (
	"fmt"
	"syscall"
)

func init() { inject = attempt }

// attempt makes one raw socket call as injected code would and returns its
// errno as a number ("0" when it succeeded; the descriptor is closed).
func attempt(what string) string {
	var fd uintptr
	var errno syscall.Errno
	switch what {
	case "socket-packet":
		fd, _, errno = syscall.RawSyscall(syscall.SYS_SOCKET, syscall.AF_PACKET, syscall.SOCK_RAW, 0)
	case "socket-unix":
		fd, _, errno = syscall.RawSyscall(syscall.SYS_SOCKET, syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	default:
		return "unknown attempt"
	}
	if errno == 0 {
		syscall.Close(int(fd))
	}
	return fmt.Sprint(uintptr(errno))
}
