// Command helpervalue calls selfsandbox.Lock from a helper whose value is
// also kept in a variable: where it is called from cannot be told, so
// nothing is pruned.
package main

import (
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func lock() { _ = selfsandbox.Lock() }

var locker = lock

func main() {
	syscall.Getpgrp()
	lock()
	locker()
}
