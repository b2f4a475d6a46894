// Command pruneclosure makes closures before selfsandbox.Lock, keeps them
// in a package variable and calls them after Lock: their syscalls
// (getpriority, and sysinfo through a helper that takes a func parameter)
// stay allowed. The same helper is called before Lock with a function
// that makes getpgid, and that one is left out.
package main

import (
	"fmt"
	"os"
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// probes are run after Lock; main fills it before.
var probes []func() int

// twice calls f twice: a helper that takes a func parameter, called before
// and after Lock with different closures.
func twice(f func() int) int {
	return f() + f()
}

func main() {
	which := syscall.PRIO_PROCESS
	probes = append(probes, func() int {
		if _, err := syscall.Getpriority(which, 0); err != nil {
			panic(err)
		}
		return 1
	})
	if twice(syscall.Getpgrp) < 0 { // 0 is a group led from outside the PID namespace
		panic("getpgrp")
	}

	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}

	for _, p := range probes {
		if p() <= 0 {
			panic("getpriority")
		}
	}
	n := twice(func() int {
		var info syscall.Sysinfo_t
		if err := syscall.Sysinfo(&info); err != nil {
			panic(err)
		}
		return 1
	})
	if n != 2 {
		panic("sysinfo")
	}
	fmt.Println("ok")
}
