// Command osexecjson decodes JSON into a configuration struct (so
// reflect.Value's setters are reachable) and starts a child with no
// SysProcAttr: reflection writes the fields of the configuration only, so
// the fork path's SysProcAttr branches still fold and the child side's
// chroot, setuid and the like stay out of the allow-list.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

type config struct {
	Program string
	Args    []string
	Retries int
	Verbose bool
}

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	var c config
	if err := json.Unmarshal([]byte(`{"Program":"/bin/true","Args":[],"Retries":1,"Verbose":true}`), &c); err != nil {
		panic(err)
	}
	if err := exec.Command(c.Program, c.Args...).Run(); err != nil {
		panic(err)
	}
	fmt.Println("ok")
}
