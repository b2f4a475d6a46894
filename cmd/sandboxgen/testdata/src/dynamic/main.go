// Command dynamic is a fixture whose syscall number comes from its input,
// which no analysis can work out.
package main

import (
	"fmt"
	"os"
	"syscall"
)

func main() {
	nr := uintptr(len(os.Args) + 38) // getpid on amd64 with no arguments
	r, _, errno := syscall.RawSyscall(nr, 0, 0, 0)
	fmt.Println(r, errno)
}
