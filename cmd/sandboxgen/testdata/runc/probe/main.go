// Command probe shows how runc's seccomp filter answers two syscalls a
// profile does not name: first openat2, whose number is above the highest
// the profile names (runc answers ENOSYS), then mknodat, whose number is
// below it (the profile's default action applies: with kill_process the
// probe dies before it prints the second line).
package main

import (
	"fmt"
	"syscall"
)

const sysOpenat2 = 437 // the same on every architecture that has it

func main() {
	_, _, errno := syscall.RawSyscall(sysOpenat2, 0, 0, 0)
	fmt.Printf("openat2: %v\n", errno)
	_, _, errno = syscall.RawSyscall(syscall.SYS_MKNODAT, 0, 0, 0)
	fmt.Printf("mknodat: %v\n", errno)
}
