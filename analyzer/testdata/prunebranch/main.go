// Command prunebranch makes syscalls in branches that cannot run after
// selfsandbox.Lock: one behind a constant that is false, one in a helper
// whose argument after Lock rules its branch out (the helper takes that
// branch only before Lock), and one behind a variable that only a dead
// branch sets. Only getppid, on the helper's live branch, is needed after
// Lock; getpgid is needed before Lock only; getpriority and umask never.
package main

import (
	"fmt"
	"os"
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

const verbose = false

// probe returns the process group id when which has bit 2 set, else the
// parent's pid.
func probe(which int) int {
	if which&2 != 0 {
		pg, err := syscall.Getpgid(0)
		if err != nil {
			panic(err)
		}
		return pg
	}
	return syscall.Getppid()
}

func main() {
	if probe(2) < 0 { // 0 is a group led from outside the PID namespace
		panic("getpgid")
	}
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	if verbose {
		if _, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0); err != nil {
			panic(err)
		}
	}
	restrict := false
	if verbose {
		restrict = true
	}
	if restrict {
		syscall.Umask(0o077)
	}
	if probe(1) <= 0 {
		panic("getppid")
	}
	fmt.Println("ok")
}
