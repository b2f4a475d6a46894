// Command timer sleeps, ticks, and runs a function from a timer; the timer
// function makes a syscall nothing else in the program makes. It also reads
// the time of day through the syscall package.
package main

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	tk := time.NewTicker(5 * time.Millisecond)
	for i := 0; i < 3; i++ {
		<-tk.C
	}
	tk.Stop()
	done := make(chan int)
	time.AfterFunc(10*time.Millisecond, func() {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			panic(err)
		}
		done <- 1
	})
	<-done
	ctxTimer := time.NewTimer(time.Hour)
	ctxTimer.Reset(time.Millisecond)
	<-ctxTimer.C
	if time.Since(start) < 20*time.Millisecond {
		panic("clock went backwards")
	}
	// syscall.Gettimeofday goes through the vDSO, whose fallback is the
	// gettimeofday syscall in the syscall package's assembly: the program
	// analysis must find it there (the runtime's baseline does not have it).
	var tv syscall.Timeval
	if err := syscall.Gettimeofday(&tv); err != nil || tv.Sec == 0 {
		panic(fmt.Sprint("gettimeofday: ", tv, err))
	}
	fmt.Println("ok", time.Now().Year() > 2000)
}
