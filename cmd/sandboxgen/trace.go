package main

import (
	"fmt"
	"io"
)

func runTrace(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "sandboxgen trace: not yet")
	return exitBadInput
}
