// Command tiny makes one syscall of its own; the cache's tests add another.
package main

import "syscall"

func main() {
	syscall.Getpid()
	// another syscall
}
