// Command prunegoroutine starts a goroutine before selfsandbox.Lock that
// makes its syscall (getppid) only after Lock: the goroutine may outlive
// Lock, so its syscalls stay allowed. getpgrp, made by main before Lock
// only, is left out.
package main

import (
	"fmt"
	"os"
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	if syscall.Getpgrp() < 0 { // 0 is a group led from outside the PID namespace
		panic("getpgrp")
	}
	start := make(chan struct{})
	done := make(chan int)
	go func() {
		<-start
		done <- syscall.Getppid()
	}()

	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}

	close(start)
	if <-done <= 0 {
		panic("getppid")
	}
	fmt.Println("ok")
}
