// Command osexecjsonatomic decodes JSON into a configuration it reads back
// from a sync/atomic.Value, whose type the analysis cannot name, so
// reflection may write any exported field of any type it can reach; then
// it starts a plain child with exec.Command. os/exec boxes every *exec.Cmd
// into an interface only for runtime.SetFinalizer, and os.StartProcess
// its *os.ProcAttr only for runtime.KeepAlive: reflection never sees
// either, so it cannot set a SysProcAttr field, and the fork path's
// chroot, setuid and the like stay out of the allow-list.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sync/atomic"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

type config struct {
	Program string
	Args    []string
}

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	var box atomic.Value
	box.Store(&config{})
	if err := json.Unmarshal([]byte(`{"Program":"/bin/true","Args":[]}`), box.Load()); err != nil {
		panic(err)
	}
	c := box.Load().(*config)
	if err := exec.Command(c.Program, c.Args...).Run(); err != nil {
		panic(err)
	}
	fmt.Println("ok")
}
