// Command lockedthread ends a goroutine that is locked to its OS thread,
// after selfsandbox.Lock: the runtime then ends the thread (the exit
// syscall), which the filter must allow.
package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	for range 4 {
		done := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			close(done)
			// Returning while locked ends this thread.
		}()
		<-done
	}
	fmt.Println("ok")
}
