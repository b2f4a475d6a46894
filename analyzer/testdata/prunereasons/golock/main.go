// Command golock starts selfsandbox.Lock as a goroutine: nothing is
// pruned.
package main

import (
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	syscall.Getpgrp()
	go selfsandbox.MustLock()
}
