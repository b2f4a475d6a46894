// Command shellout locks itself, then runs a shell pipeline and prints its
// output: the children run under the inherited filter. SHELLOUT_SHELL and
// SHELLOUT_SCRIPT replace the shell (/bin/sh) and the script.
package main

import (
	"fmt"
	"os"
	"os/exec"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	shell, script := "/bin/sh", "ls -l / | sort | wc -l; sleep 0.1; date"
	if s := os.Getenv("SHELLOUT_SHELL"); s != "" {
		shell = s
	}
	if s := os.Getenv("SHELLOUT_SCRIPT"); s != "" {
		script = s
	}
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	cmd := exec.Command(shell, "-c", script)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	os.Stdout.Write(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "shell:", err)
		os.Exit(1)
	}
}
