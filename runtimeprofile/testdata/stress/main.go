// Command stress exercises every part of the Go runtime that issues
// syscalls after main: GC and FreeOSMemory, thousands of goroutines, timers
// and tickers, os/signal with self-sent signals, async preemption, CPU
// profiling, netpoll on loopback, LockOSThread with goroutine exit (thread
// exit), GOMAXPROCS changes and recovered panics. With STRESS_MODE=panic or
// crash it ends in an unrecovered panic instead.
//
// Environment:
//
//	STRESS_FILTER    comma-separated syscall numbers to allow; when set, the
//	                 program installs a KILL_PROCESS seccomp filter allowing
//	                 only those, on every thread, first thing in main
//	STRESS_BPF       a file of BPF instructions ("code jt jf k" a line) to
//	                 install instead of building the filter from STRESS_FILTER
//	STRESS_ERRNO     comma-separated nr=errno pairs the filter answers with
//	                 an errno instead
//	STRESS_DURATION  how long to run (a time.Duration), default 5s
//	STRESS_MODE      "run" (default), "idle", "exec" (start child programs
//	                 for the duration), "panic" or "crash"
//
// The first thing main does is write "STRESS-MAIN" to stderr, so that a
// trace can tell the syscalls made after main from the runtime's start-up.
package main

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// counts of what each activity did, printed at the end so the test can
// check that every activity really ran.
var (
	gcs, goroutines, timerFires, signalsGot, preempted   atomic.Int64
	profiles, conns, threadExits, procChanges, recovered atomic.Int64
	randoms                                              atomic.Int64
)

func main() {
	os.Stderr.Write([]byte("STRESS-MAIN\n"))
	var err error
	locked := true
	switch {
	case os.Getenv("STRESS_BPF") != "":
		err = loadProgram(os.Getenv("STRESS_BPF"))
	case os.Getenv("STRESS_FILTER") != "":
		err = lockDown(os.Getenv("STRESS_FILTER"), os.Getenv("STRESS_ERRNO"))
	default:
		locked = false
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stress: installing filter:", err)
		os.Exit(3)
	}
	if locked {
		os.Stderr.Write([]byte("STRESS-LOCKED\n"))
	}
	d := 5 * time.Second
	if s := os.Getenv("STRESS_DURATION"); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			fmt.Fprintln(os.Stderr, "stress: bad STRESS_DURATION:", err)
			os.Exit(3)
		}
	}
	switch os.Getenv("STRESS_MODE") {
	case "idle":
		// Only what every program does: a GC and a sleep.
		runtime.GC()
		time.Sleep(100 * time.Millisecond)
		return
	case "exec":
		runChildren(d)
		return
	case "panic", "crash":
		// Work for a moment so that several threads exist, then die.
		stop := make(chan struct{})
		go churnGoroutines(stop)
		go preemptLoops(stop)
		time.Sleep(200 * time.Millisecond)
		go func() { panic("stress: deliberate unrecovered panic") }()
		time.Sleep(10 * time.Second)
		os.Exit(4) // not reached: the panic ends the process
	}
	run(d)
}

func run(d time.Duration) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, f := range []func(chan struct{}){
		churnGC, churnGoroutines, churnTimers, churnSignals, preemptLoops,
		churnProfiling, churnNetwork, churnThreadExit, churnGOMAXPROCS, churnPanics, churnRandom,
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(stop)
		}()
	}
	time.Sleep(d)
	close(stop)
	wg.Wait()
	fmt.Printf("OK gcs=%d goroutines=%d timers=%d signals=%d preempted=%d profiles=%d conns=%d threadexits=%d gomaxprocs=%d recovered=%d randoms=%d\n",
		gcs.Load(), goroutines.Load(), timerFires.Load(), signalsGot.Load(), preempted.Load(),
		profiles.Load(), conns.Load(), threadExits.Load(), procChanges.Load(), recovered.Load(), randoms.Load())
}

func stopped(stop chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

var sink [][]byte

func churnGC(stop chan struct{}) {
	for i := 0; !stopped(stop); i++ {
		// Grow the heap by tens of MiB, then drop it and give it back.
		for j := 0; j < 200; j++ {
			sink = append(sink, make([]byte, 128<<10))
		}
		sink = nil
		if i%2 == 0 {
			debug.FreeOSMemory()
		} else {
			runtime.GC()
		}
		gcs.Add(1)
		time.Sleep(50 * time.Millisecond)
	}
}

func churnGoroutines(stop chan struct{}) {
	for !stopped(stop) {
		var wg sync.WaitGroup
		release := make(chan struct{})
		for i := 0; i < 3000; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-release
				time.Sleep(time.Duration(i%7) * time.Millisecond)
				goroutines.Add(1)
			}()
		}
		close(release)
		wg.Wait()
		time.Sleep(20 * time.Millisecond)
	}
}

func churnTimers(stop chan struct{}) {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	t := time.NewTimer(3 * time.Millisecond)
	af := time.AfterFunc(time.Hour, func() {})
	for !stopped(stop) {
		select {
		case <-tick.C:
			timerFires.Add(1)
		case <-t.C:
			timerFires.Add(1)
			t.Reset(time.Duration(1+timerFires.Load()%5) * time.Millisecond)
		case <-time.After(2 * time.Millisecond):
			timerFires.Add(1)
		}
		af.Reset(time.Duration(timerFires.Load()%3) * time.Millisecond)
	}
	t.Stop()
	af.Stop()
}

func churnSignals(stop chan struct{}) {
	ch := make(chan os.Signal, 16)
	signal.Notify(ch, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(ch)
	pid := os.Getpid()
	for i := 0; !stopped(stop); i++ {
		sig := syscall.SIGUSR1
		if i%2 == 1 {
			sig = syscall.SIGUSR2
		}
		if err := syscall.Kill(pid, sig); err != nil {
			fmt.Fprintln(os.Stderr, "stress: kill:", err)
			os.Exit(5)
		}
		select {
		case <-ch:
			signalsGot.Add(1)
		case <-time.After(time.Second):
		}
		if i%50 == 49 {
			// Ignore and reset exercise rt_sigaction after main too.
			signal.Ignore(syscall.SIGUSR2)
			signal.Reset(syscall.SIGUSR2)
			signal.Notify(ch, syscall.SIGUSR2)
		}
		time.Sleep(3 * time.Millisecond)
	}
}

// spin runs a loop with no function calls, which only an asynchronous
// preemption signal can interrupt.
//
//go:noinline
func spin(n int) int {
	x := 0
	for i := 0; i < n; i++ {
		x = x*31 + i
	}
	return x
}

func preemptLoops(stop chan struct{}) {
	for !stopped(stop) {
		var wg sync.WaitGroup
		for i := 0; i < runtime.GOMAXPROCS(0)+2; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = spin(80_000_000) // ~50 ms: longer than the 10 ms preemption slice
				preempted.Add(1)
			}()
		}
		wg.Wait()
		time.Sleep(30 * time.Millisecond)
	}
}

func churnProfiling(stop chan struct{}) {
	for !stopped(stop) {
		if err := pprof.StartCPUProfile(io.Discard); err != nil {
			fmt.Fprintln(os.Stderr, "stress: StartCPUProfile:", err)
			os.Exit(5)
		}
		_ = spin(20_000_000)
		time.Sleep(200 * time.Millisecond)
		pprof.StopCPUProfile()
		profiles.Add(1)
		time.Sleep(100 * time.Millisecond)
	}
}

func churnNetwork(stop chan struct{}) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "stress: listen:", err)
		os.Exit(5)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(strings.ToUpper(line))); err != nil {
						return
					}
				}
			}()
		}
	}()
	for i := 0; !stopped(stop); i++ {
		var wg sync.WaitGroup
		for j := 0; j < 8; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := net.DialTimeout("tcp", ln.Addr().String(), 10*time.Second)
				if err != nil {
					fmt.Fprintln(os.Stderr, "stress: dial:", err)
					os.Exit(5)
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				r := bufio.NewReader(c)
				for k := 0; k < 5; k++ {
					msg := "ping " + strconv.Itoa(i*100+j*10+k) + "\n"
					if _, err := c.Write([]byte(msg)); err != nil {
						fmt.Fprintln(os.Stderr, "stress: write:", err)
						os.Exit(5)
					}
					got, err := r.ReadString('\n')
					if err != nil || got != strings.ToUpper(msg) {
						fmt.Fprintf(os.Stderr, "stress: echo %q -> %q, %v\n", msg, got, err)
						os.Exit(5)
					}
				}
				conns.Add(1)
			}()
		}
		wg.Wait()
		time.Sleep(10 * time.Millisecond)
	}
}

func churnThreadExit(stop chan struct{}) {
	for !stopped(stop) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			// Exiting a goroutine that is still locked to its thread
			// makes the runtime terminate the thread.
			runtime.LockOSThread()
			_ = spin(1000)
		}()
		<-done
		threadExits.Add(1)
		time.Sleep(20 * time.Millisecond)
	}
}

func churnGOMAXPROCS(stop chan struct{}) {
	orig := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(orig)
	for i := 0; !stopped(stop); i++ {
		runtime.GOMAXPROCS(1 + i%4)
		procChanges.Add(1)
		time.Sleep(40 * time.Millisecond)
	}
}

func churnPanics(stop chan struct{}) {
	var m map[string]int
	var s []int
	for i := 0; !stopped(stop); i++ {
		func() {
			defer func() {
				if recover() != nil {
					recovered.Add(1)
				}
			}()
			switch i % 3 {
			case 0:
				panic(fmt.Sprintf("stress: recovered panic %d", i))
			case 1:
				m["x"] = i // nil map write: a runtime error
			default:
				_ = s[i] // index out of range
			}
		}()
		time.Sleep(5 * time.Millisecond)
	}
}

func churnRandom(stop chan struct{}) {
	buf := make([]byte, 32)
	for !stopped(stop) {
		if _, err := rand.Read(buf); err != nil {
			fmt.Fprintln(os.Stderr, "stress: rand:", err)
			os.Exit(5)
		}
		randoms.Add(1)
		time.Sleep(10 * time.Millisecond)
	}
}

// runChildren starts child programs for d: a static tool, a shell (the
// dynamic loader and libc) and this program itself idle (another Go
// runtime), all of which start under the inherited filter.
func runChildren(d time.Duration) {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "stress: executable:", err)
		os.Exit(5)
	}
	n := 0
	for end := time.Now().Add(d); time.Now().Before(end); n++ {
		for _, args := range [][]string{{"/bin/true"}, {"/bin/sh", "-c", "echo child"}, {self}} {
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Env = []string{"STRESS_MODE=idle", "PATH=/usr/bin:/bin"}
			out, err := cmd.CombinedOutput()
			if err != nil {
				fmt.Fprintf(os.Stderr, "stress: child %v: %v\n%s", args, err, out)
				os.Exit(6)
			}
		}
	}
	fmt.Printf("OK children=%d\n", n)
}
