// Command mmap maps anonymous and file-backed memory with syscall.Mmap.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	dir := os.Getenv("FIXTURE_DIR")
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	mem, err := syscall.Mmap(-1, 0, 1<<16, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		panic(err)
	}
	mem[100] = 42
	if err := syscall.Mprotect(mem, syscall.PROT_READ); err != nil {
		panic(err)
	}
	if err := syscall.Munmap(mem); err != nil {
		panic(err)
	}
	p := filepath.Join(dir, "mapped")
	if err := os.WriteFile(p, []byte("mapped file"), 0o600); err != nil {
		panic(err)
	}
	f, err := os.Open(p)
	if err != nil {
		panic(err)
	}
	fm, err := syscall.Mmap(int(f.Fd()), 0, 11, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		panic(err)
	}
	if string(fm) != "mapped file" {
		panic(string(fm))
	}
	syscall.Munmap(fm)
	f.Close()
	fmt.Println("ok")
}
