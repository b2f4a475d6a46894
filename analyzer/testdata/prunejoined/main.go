// Command prunejoined starts a goroutine before selfsandbox.Lock that makes
// its syscall (getppid) and ends before Lock. The analysis cannot prove
// that it ends, so it lists the go statement in Program.Outliving; the
// program's own filter leaves getppid out, and Lock, finding the goroutine
// gone, installs that narrow filter.
package main

import (
	"fmt"
	"os"
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	done := make(chan int)
	go func() { done <- syscall.Getppid() }()
	if <-done <= 0 {
		panic("getppid")
	}

	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	if fb := selfsandbox.Current().Fallback; fb != "" {
		panic("the fallback filter was installed: " + fb)
	}
	fmt.Println("ok")
}
