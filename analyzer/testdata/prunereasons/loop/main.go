// Command loop calls selfsandbox.Lock in a loop: code before the call in
// the loop body runs again after it, so nothing is pruned.
package main

import (
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	for i := 0; i < 2; i++ {
		syscall.Getpgrp()
		_ = selfsandbox.Lock()
	}
}
