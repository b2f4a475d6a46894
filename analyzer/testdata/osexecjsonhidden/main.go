// Command osexecjsonhidden decodes JSON into a job whose *exec.Cmd is kept
// in an unexported field, set by Go code that fills no SysProcAttr field.
// Reflection cannot set anything reached through an unexported field (a
// reflect.Value from one is read-only), so encoding/json cannot set the
// command's SysProcAttr: the fork path's chroot, setuid and the like stay
// out of the allow-list.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

type job struct {
	Program string
	cmd     *exec.Cmd
}

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	var j job
	if err := json.Unmarshal([]byte(`{"Program":"/bin/true"}`), &j); err != nil {
		panic(err)
	}
	j.cmd = exec.Command(j.Program)
	if err := j.cmd.Run(); err != nil {
		panic(err)
	}
	fmt.Println("ok")
}
