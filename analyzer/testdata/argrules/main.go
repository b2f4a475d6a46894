// Command argrules locks itself, then starts threads and grows its heap:
// the clone and mmap calls every Go program makes, and one ioctl
// request of its own. Built with the inject
// tag it also tries what injected code would (see inject.go); with the open
// tag it can set SysProcAttr.Cloneflags and links C code (see open.go), so
// the analysis must leave clone's flags and PROT_EXEC alone.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// inject is set only in builds with the inject tag: it stands for code an
// attacker got into the process, which the analysis never sees.
var inject func(what string) string

// open is set only in builds with the open tag.
var open func()

func main() {
	selfsandbox.MustLock()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread() // the thread exits with the goroutine: the runtime starts others
			buf := make([]byte, 1<<20)
			buf[0] = 1
		}()
	}
	wg.Wait()
	// The program's one ioctl: the window size of its output, whatever it
	// is (a pipe answers ENOTTY).
	var ws [4]uint16
	syscall.Syscall(syscall.SYS_IOCTL, 1, syscall.TIOCGWINSZ, uintptr(unsafe.Pointer(&ws)))
	big := make([]byte, 64<<20)
	big[len(big)-1] = 1
	if open != nil && len(os.Args) > 99 {
		open()
	}
	if inject != nil {
		for _, what := range os.Args[1:] {
			fmt.Println(what, inject(what))
		}
	}
	fmt.Println("ok")
}
