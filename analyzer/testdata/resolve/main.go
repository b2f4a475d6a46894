// Command resolve is analysed, never run: each way a syscall number can
// reach a trap has its own syscall, so a test can check each is resolved.
package main

import (
	"os"
	"strconv"
	"syscall"
	_ "unsafe" // for go:linkname

	_ "github.com/sandboxgen/sandboxgen/analyzer/testdata/resolve/inner"
	"golang.org/x/sys/unix"
)

// Through a phi: sync or syncfs.
func viaPhi(n int) {
	nr := uintptr(syscall.SYS_SYNC)
	if n > 3 {
		nr = unix.SYS_SYNCFS
	}
	syscall.Syscall(nr, 0, 0, 0)
}

// A two-level wrapper around unix.Syscall: its callers supply the numbers.
func lowWrap(nr uintptr, a uintptr) (uintptr, error) {
	r, _, e := unix.Syscall(nr, a, 0, 0)
	if e != 0 {
		return 0, e
	}
	return r, nil
}

func highWrap(nr uintptr) { lowWrap(nr, 1) }

// A package variable assigned only constants: acct or by init chroot.
var globalNr uintptr = syscall.SYS_ACCT

func init() {
	if len(os.Args) > 7 {
		globalNr = syscall.SYS_CHROOT
	}
}

// A method called through an interface.
type trapper interface{ trap(nr uintptr) }

type rawTrapper struct{}

func (rawTrapper) trap(nr uintptr) { syscall.RawSyscall(nr, 0, 0, 0) }

// A generic wrapper.
func genericTrap[T ~uintptr | ~int](nr T) { syscall.RawSyscall6(uintptr(nr), 0, 0, 0, 0, 0, 0) }

type sysno int

// The implementation is inner.Trap.
//
//go:linkname linkedTrap github.com/sandboxgen/sandboxgen/analyzer/testdata/resolve/inner.Trap
func linkedTrap(nr uintptr) uintptr

type request struct{ nr uintptr }

var escaping uintptr = syscall.SYS_VHANGUP

func keep(p *uintptr) { *p = uintptr(len(os.Args)) }

func main() {
	viaPhi(len(os.Args))
	highWrap(syscall.SYS_SETHOSTNAME)
	highWrap(syscall.SYS_SETDOMAINNAME)
	syscall.Syscall(globalNr, 0, 0, 0)

	// A captured variable assigned twice: swapon or swapoff.
	cell := uintptr(syscall.SYS_SWAPON)
	call := func() { syscall.Syscall(cell, 0, 0, 0) }
	if len(os.Args) > 5 {
		cell = syscall.SYS_SWAPOFF
	}
	call()

	var t trapper = rawTrapper{}
	t.trap(syscall.SYS_PIVOT_ROOT)
	genericTrap(sysno(syscall.SYS_UMOUNT2))

	// Computed from constants: mount (165 on amd64) = 160 + 5.
	base := uintptr(160)
	if len(os.Args) > 9 {
		base = 160
	}
	syscall.Syscall(base+5, 0, 0, 0)

	linkedTrap(syscall.SYS_REBOOT)

	// Assembly with its own SYSCALL instruction (the vDSO fallback).
	var tv syscall.Timeval
	syscall.Gettimeofday(&tv)

	// Not resolvable: from the command line, from a struct field, from a
	// variable whose address escapes.
	n, _ := strconv.Atoi(os.Args[1])
	syscall.Syscall(uintptr(n), 0, 0, 0)
	r := &request{nr: uintptr(len(os.Args))}
	syscall.Syscall(r.nr, 0, 0, 0)
	keep(&escaping)
	syscall.Syscall(escaping, 0, 0, 0)
}
