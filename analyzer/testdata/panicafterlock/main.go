// Command panicafterlock panics once it is locked: the runtime must be
// able to print the panic and its goroutine trace, and exit with status 2,
// under a filter that allows nothing but what the runtime itself needs.
package main

import (
	"fmt"
	"os"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "Lock:", err)
		os.Exit(3)
	}
	var table map[string][]int
	panic(fmt.Sprint("locked and panicking: ", len(table["x"])))
}
