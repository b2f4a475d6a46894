// Command osexec starts child processes with os/exec: a C program from the
// system and a copy of itself, which reads a file, and reads their output.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "child" {
		// Opening a file creates this runtime's network poller: the
		// child runs under its parent's filter without a Lock of its own.
		if _, err := os.ReadFile("/proc/self/status"); err != nil {
			panic(err)
		}
		fmt.Println("child ok")
		return
	}
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	out, err := exec.Command("/bin/echo", "from", "echo").Output()
	if err != nil || strings.TrimSpace(string(out)) != "from echo" {
		panic(fmt.Sprint(string(out), err))
	}
	self, err := os.Executable()
	if err != nil {
		panic(err)
	}
	out, err = exec.Command(self, "child").Output()
	if err != nil || strings.TrimSpace(string(out)) != "child ok" {
		panic(fmt.Sprint(string(out), err))
	}
	cmd := exec.Command("/bin/sh", "-c", "exit 3")
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		panic(fmt.Sprint(err))
	}
	fmt.Println("ok")
}
