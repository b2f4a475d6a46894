// Command osexecjsonany decodes JSON into a job whose exported field of
// type any holds an *exec.Cmd: encoding/json decodes into the command the
// interface already holds (a non-nil pointer), and with it sets
// SysProcAttr.Chroot, so the fork path's chroot must stay allowed (the
// locked child runs it). No field of the job's static type leads to
// exec.Cmd: only the dynamic type the program stored in the interface does.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

type job struct {
	X any
}

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	j := job{X: &exec.Cmd{Path: "/bin/true", Args: []string{"true"}}}
	if err := json.Unmarshal([]byte(`{"X":{"SysProcAttr":{"Chroot":"/"}}}`), &j); err != nil {
		panic(err)
	}
	cmd, ok := j.X.(*exec.Cmd)
	if !ok || cmd.SysProcAttr == nil || cmd.SysProcAttr.Chroot != "/" {
		panic("json did not set SysProcAttr.Chroot through the interface field")
	}
	if err := cmd.Run(); err != nil {
		panic(err)
	}
	fmt.Println("ok")
}
