// Command signal handles SIGUSR1 and SIGHUP with os/signal, sending them to
// itself.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	c := make(chan os.Signal, 2)
	signal.Notify(c, syscall.SIGUSR1, syscall.SIGHUP)
	for _, sig := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGHUP} {
		if err := syscall.Kill(os.Getpid(), sig); err != nil {
			panic(err)
		}
		select {
		case got := <-c:
			if got != sig {
				panic(fmt.Sprint("got ", got))
			}
		case <-time.After(60 * time.Second):
			panic("signal not delivered")
		}
	}
	signal.Stop(c)
	signal.Ignore(syscall.SIGUSR2)
	syscall.Kill(os.Getpid(), syscall.SIGUSR2)
	fmt.Println("ok")
}
