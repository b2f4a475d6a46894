// Command dispatch reaches syscalls through interface dispatch, closures,
// method values, generics, goroutines, defers, finalizers and cleanups;
// each mechanism leads to a syscall nothing else in the program makes.
package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// prober is implemented by parentProber; main calls it through the
// interface only.
type prober interface{ probe() int }

type parentProber struct{}

func (parentProber) probe() int { return syscall.Getppid() }

type uidSource struct{ n int }

func (u *uidSource) read() int { return syscall.Getuid() + u.n }

// gidReader is the constraint of the generic function below.
type gidReader interface{ gid() int }

type gidProbe struct{}

func (gidProbe) gid() int { return syscall.Getgid() }

func readAll[T gidReader](xs ...T) int {
	sum := 0
	for _, x := range xs {
		sum += x.gid()
	}
	return sum
}

type finalized struct{ buf [64]byte }

type cleaned struct{ buf [64]byte }

func pick(n int) prober {
	if n >= 0 {
		return parentProber{}
	}
	return nil
}

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	// Interface dispatch.
	if pick(len(os.Args)).probe() <= 0 {
		panic("getppid")
	}
	// Closure.
	grp := func() int { return syscall.Getpgrp() }
	if grp() < 0 { // 0 is a group led from outside the PID namespace
		panic("getpgrp")
	}
	// Method value.
	src := &uidSource{}
	read := src.read
	_ = read()
	// Generics.
	_ = readAll(gidProbe{}, gidProbe{})
	// Goroutine.
	done := make(chan int)
	go func() {
		done <- syscall.Geteuid()
	}()
	<-done
	// Defer.
	func() {
		defer syscall.Umask(syscall.Umask(0o22))
	}()
	// Finalizer and cleanup.
	fin := make(chan bool, 1)
	cln := make(chan bool, 1)
	func() {
		f := &finalized{}
		runtime.SetFinalizer(f, func(*finalized) {
			syscall.Getegid()
			fin <- true
		})
		c := &cleaned{}
		runtime.AddCleanup(c, func(int) {
			if _, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0); err != nil {
				panic(err)
			}
			cln <- true
		}, 0)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for gotFin, gotCln := false, false; !gotFin || !gotCln; {
		runtime.GC()
		select {
		case <-fin:
			gotFin = true
		case <-cln:
			gotCln = true
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			panic("finalizer or cleanup did not run")
		}
	}
	fmt.Println("ok")
}
