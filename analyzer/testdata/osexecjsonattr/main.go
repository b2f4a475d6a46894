// Command osexecjsonattr decodes JSON into a job that holds an
// *exec.Cmd: encoding/json sets the command's SysProcAttr.Chroot through
// reflection, with no Go statement that stores to the field, so the fork
// path's chroot must stay allowed (and the locked child runs it).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

type job struct {
	Cmd *exec.Cmd
}

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	var j job
	if err := json.Unmarshal([]byte(`{"Cmd":{"Path":"/bin/true","Args":["true"],"SysProcAttr":{"Chroot":"/"}}}`), &j); err != nil {
		panic(err)
	}
	if j.Cmd.SysProcAttr == nil || j.Cmd.SysProcAttr.Chroot != "/" {
		panic("json did not set SysProcAttr.Chroot")
	}
	if err := j.Cmd.Run(); err != nil {
		panic(err)
	}
	fmt.Println("ok")
}
