// Command sscanfexec parses its options with fmt.Sscanf, whose scanOne
// writes through reflect.ValueOf(arg).Elem() (SetInt, SetString, Set)
// with arg read from the call's ...any, and starts a child with no
// SysProcAttr. The ...any is a slice literal that fmt only reads, so its
// elements are the pointers stored into it here (*int, *string):
// reflection cannot set a field of a syscall.SysProcAttr, the fork path's
// SysProcAttr branches fold, and the child side's chroot, setuid and the
// like stay out of the allow-list.
package main

import (
	"fmt"
	"os"
	"os/exec"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	var (
		retries int
		program string
	)
	if n, err := fmt.Sscanf("3 /bin/true", "%d %s", &retries, &program); err != nil || n != 2 {
		panic(fmt.Sprintf("sscanf: %d %v", n, err))
	}
	for range retries {
		if err := exec.Command(program).Run(); err != nil {
			panic(err)
		}
	}
	fmt.Println("ok")
}
