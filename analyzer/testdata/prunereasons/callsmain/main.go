// Command callsmain calls main.main again after Lock: the code before Lock
// runs again under the filter, so nothing is pruned.
package main

import (
	"os"
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func again() {
	if len(os.Args) > 5 {
		main()
	}
}

func main() {
	syscall.Getpgrp()
	_ = selfsandbox.Lock()
	again()
}
