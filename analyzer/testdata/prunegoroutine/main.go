// Command prunegoroutine starts a goroutine before selfsandbox.Lock that
// makes its syscall (getppid) only after Lock: the goroutine outlives Lock,
// so Lock must install the fallback filter, which allows getppid. getpgrp,
// made by main before Lock only, is left out of both filters.
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

	if selfsandbox.Current().Fallback == "" {
		panic("the goroutine is running, but Lock installed the narrow filter")
	}
	close(start)
	if <-done <= 0 {
		panic("getppid")
	}
	fmt.Println("ok")
}
