// Command helpertwice calls selfsandbox.Lock from a helper that main.main
// calls twice: the code between the two calls runs both before and after
// Lock, so nothing is pruned.
package main

import (
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func lock() { _ = selfsandbox.Lock() }

func main() {
	lock()
	syscall.Getpgrp()
	lock()
}
