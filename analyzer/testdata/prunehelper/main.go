// Command prunehelper calls selfsandbox.Lock from a helper instead of
// directly in main.main: the analysis cannot tell which of main's calls run
// before Lock, so nothing is pruned (getpgrp, made before the helper runs,
// stays allowed).
package main

import (
	"fmt"
	"os"
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func lock() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
}

func main() {
	if syscall.Getpgrp() < 0 { // 0 is a group led from outside the PID namespace
		panic("getpgrp")
	}
	lock()
	if syscall.Getppid() <= 0 {
		panic("getppid")
	}
	fmt.Println("ok")
}
