// Command osexecjsonembedded decodes JSON into a job that embeds an
// unexported struct holding an exported *exec.Cmd: encoding/json sets the
// promoted field (reflect lets the exported fields of an embedded struct be
// set, whatever the embedded type's name), and with it SysProcAttr.Chroot,
// so the fork path's chroot must stay allowed (the locked child runs it).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

type runner struct {
	Cmd *exec.Cmd
}

type job struct {
	runner
	Name string
}

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	var j job
	if err := json.Unmarshal([]byte(`{"Name":"x","Cmd":{"Path":"/bin/true","Args":["true"],"SysProcAttr":{"Chroot":"/"}}}`), &j); err != nil {
		panic(err)
	}
	if j.Cmd == nil || j.Cmd.SysProcAttr == nil || j.Cmd.SysProcAttr.Chroot != "/" {
		panic("json did not set SysProcAttr.Chroot through the embedded struct")
	}
	if err := j.Cmd.Run(); err != nil {
		panic(err)
	}
	fmt.Println("ok")
}
