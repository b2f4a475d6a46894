// Command osexecjsonanyprint decodes JSON into a job whose exported field
// of type []any encoding/json fills with values of its own, and prints an
// *exec.Cmd through fmt's ...any: the array that call builds is only read
// (fmt copies nothing out of it and never hands it to reflection as
// memory), so its element is no slot reflection can reach, and the
// command's SysProcAttr stays out of what json can set (chroot folds
// away). The child it starts runs under the inherited filter.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

type job struct {
	Args []any
}

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	var j job
	if err := json.Unmarshal([]byte(`{"Args":["a",1,{"SysProcAttr":{"Chroot":"/"}}]}`), &j); err != nil {
		panic(err)
	}
	cmd := exec.Command("/bin/true")
	fmt.Fprintln(os.Stderr, len(j.Args), cmd)
	if err := cmd.Run(); err != nil {
		panic(err)
	}
	fmt.Println("ok")
}
