// Command twice calls selfsandbox's Lock functions twice: nothing is
// pruned.
package main

import (
	"os"
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	syscall.Getpgrp()
	if len(os.Args) > 1 {
		_ = selfsandbox.Lock()
	} else {
		selfsandbox.MustLock()
	}
}
