// Command xsysunix makes syscalls through golang.org/x/sys/unix: Flock,
// Prctl, Uname and a raw unix.Syscall.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
	"golang.org/x/sys/unix"
)

func main() {
	dir := os.Getenv("FIXTURE_DIR")
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	f, err := os.Create(filepath.Join(dir, "lock"))
	if err != nil {
		panic(err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		panic(err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_UN); err != nil {
		panic(err)
	}
	f.Close()
	if err := unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(unsafePointer([]byte("xsys\x00")))), 0, 0, 0); err != nil {
		panic(err)
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		panic(err)
	}
	if _, _, errno := unix.Syscall(unix.SYS_GETCPU, 0, 0, 0); errno != 0 {
		panic(errno)
	}
	fmt.Println("ok", unix.ByteSliceToString(u.Sysname[:]))
}

// unsafePointer returns the address of b's first byte.
func unsafePointer(b []byte) *byte { return &b[0] }
