//go:build open

package main

// #include <unistd.h>
import "C"

import (
	"os/exec"
	"syscall"
)

func init() { open = startInUserNamespace }

// startInUserNamespace starts a child in a new user namespace, and calls
// into C: the analysis must keep clone's namespace flags and PROT_EXEC.
func startInUserNamespace() {
	C.getpid()
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER}
	_ = cmd.Run()
}
