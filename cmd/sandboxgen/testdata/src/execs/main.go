// Command execs is a fixture that starts another program.
package main

import (
	"fmt"
	"os/exec"
)

func main() {
	out, err := exec.Command("true").Output()
	fmt.Println(string(out), err)
}
