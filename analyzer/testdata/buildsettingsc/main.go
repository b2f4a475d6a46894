// Command buildsettingsc starts threads after Lock, and has C code of its
// own under a cgo build constraint: an analysis with cgo off cannot see
// what a build with cgo runs, so its filter does not cover that build,
// and Lock must refuse it (exit 3) rather than let it die of SIGSYS.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	if err := selfsandbox.Lock(); err != nil {
		var be *selfsandbox.BuildMismatchError
		if errors.As(err, &be) {
			fmt.Printf("build mismatch: %s\n%v\n", be.Setting, err)
			os.Exit(3)
		}
		fmt.Fprintln(os.Stderr, "Lock:", err)
		os.Exit(1)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			time.Sleep(20 * time.Millisecond)
		}()
	}
	wg.Wait()
	fmt.Println("ok", answer() == 42)
}
