// Command sscanfexecattr scans into syscall.SysProcAttr.Chroot through a
// pointer reflection made (Value.Addr of the field, then Interface), which
// no Go statement of the program takes with &attr.Chroot. The pointer
// reaches fmt.Sscanf in a ...any slice that fill writes into after it was
// made, so the slice's elements are not only what was stored where it was
// made: what it holds cannot be named, reflection may set any field, and
// the fork path's chroot must stay allowed (the locked child runs it).
package main

import (
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// fill puts a pointer to the Chroot field of attr into args[0].
func fill(args []any, attr *syscall.SysProcAttr) {
	args[0] = reflect.ValueOf(attr).Elem().FieldByName("Chroot").Addr().Interface()
}

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = new(syscall.SysProcAttr)
	var unused string
	args := []any{&unused}
	fill(args, cmd.SysProcAttr)
	if n, err := fmt.Sscanf("/", "%s", args...); err != nil || n != 1 {
		panic(fmt.Sprintf("sscanf: %d %v", n, err))
	}
	if cmd.SysProcAttr.Chroot != "/" {
		panic("Sscanf did not set SysProcAttr.Chroot")
	}
	if err := cmd.Run(); err != nil {
		panic(err)
	}
	fmt.Println("ok")
}
