// Command nolock never calls selfsandbox.Lock: nothing is pruned.
package main

import "syscall"

func main() {
	syscall.Getpgrp()
}
