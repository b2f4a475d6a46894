// Command buildsettings starts threads after Lock. It imports os/user,
// which has C code: built with cgo, it links runtime/cgo and its threads
// start through glibc's pthread_create, which a filter generated for a
// build without cgo does not allow. Lock must then refuse (exit 3) rather
// than let the first new thread die of SIGSYS.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"runtime"
	"sync"
	"time"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	u, err := user.Current()
	if err != nil {
		fmt.Fprintln(os.Stderr, "user.Current:", err)
		os.Exit(1)
	}
	if err := selfsandbox.Lock(); err != nil {
		var be *selfsandbox.BuildMismatchError
		if errors.As(err, &be) {
			fmt.Printf("build mismatch: %s\n%v\n", be.Setting, err)
			os.Exit(3)
		}
		fmt.Fprintln(os.Stderr, "Lock:", err)
		os.Exit(1)
	}
	// Each goroutine ends locked to its thread, so the thread exits with
	// it, and the others need new threads while they sleep.
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
	fmt.Println("ok", u.Uid != "")
}
