// Command prunehelper calls selfsandbox.Lock from a helper instead of
// directly in main.main. main.main calls the helper once, with a plain
// call, and nothing else can call it, so main's calls before the helper's
// run before Lock: getpgrp, made only there, is pruned; getppid, made after
// the helper returns, stays allowed.
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
