// Command cwork locks itself and then does file and memory work in C
// (package cfile): pwrite, fsync, fchown, realloc to 64 MiB and back,
// gethostname and unlink, none of which its Go code makes.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sandboxgen/sandboxgen/analyzer/testdata/cwork/cfile"
	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	path := filepath.Join(os.Getenv("FIXTURE_DIR"), "c.dat")
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	if err := cfile.Run(path); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("ok")
}
