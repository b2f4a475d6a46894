// Command pprof profiles itself with runtime/pprof: a CPU profile (the
// runtime's profiling timers) and heap and goroutine profiles.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func spin(d time.Duration) int {
	n := 0
	for start := time.Now(); time.Since(start) < d; n++ {
		_ = fmt.Sprint(n)
	}
	return n
}

func main() {
	dir := os.Getenv("FIXTURE_DIR")
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	f, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		panic(err)
	}
	spin(300 * time.Millisecond)
	pprof.StopCPUProfile()
	f.Close()
	h, err := os.Create(filepath.Join(dir, "heap.pprof"))
	if err != nil {
		panic(err)
	}
	if err := pprof.WriteHeapProfile(h); err != nil {
		panic(err)
	}
	h.Close()
	if err := pprof.Lookup("goroutine").WriteTo(os.Stderr, 1); err != nil {
		panic(err)
	}
	fmt.Println("ok")
}
