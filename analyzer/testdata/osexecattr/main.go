// Command osexecattr starts a child in a chroot with other credentials: it
// sets SysProcAttr.Chroot and SysProcAttr.Credential, so the child side of
// the fork path may call chroot, setgroups, setgid and setuid, and nothing
// else that SysProcAttr guards.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Chroot:     "/",
		Credential: &syscall.Credential{Uid: uint32(os.Getuid()), Gid: uint32(os.Getgid())},
	}
	if err := cmd.Run(); err != nil {
		panic(err)
	}
	fmt.Println("ok")
}
