// Command funcvalue calls selfsandbox.Lock through a function value: where
// it runs cannot be told, so nothing is pruned.
package main

import (
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

var lock = selfsandbox.Lock

func main() {
	syscall.Getpgrp()
	_ = lock()
}
