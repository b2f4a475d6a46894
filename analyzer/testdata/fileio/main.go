// Command fileio writes, reads, renames and removes files.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	dir := os.Getenv("FIXTURE_DIR")
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	p := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(p, []byte("hello"), 0o600); err != nil {
		panic(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "hello" {
		panic(fmt.Sprint(err, string(b)))
	}
	if err := os.Rename(p, p+".2"); err != nil {
		panic(err)
	}
	if _, err := os.Stat(p + ".2"); err != nil {
		panic(err)
	}
	if err := os.Remove(p + ".2"); err != nil {
		panic(err)
	}
	fmt.Println("ok")
}
