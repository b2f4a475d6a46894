package runtimeprofile_test

import (
	"fmt"
	"log"
	"os/exec"
	"strings"

	"github.com/sandboxgen/sandboxgen/runtimeprofile"
)

// The runtime baseline for linux/arm64 of the toolchain on PATH, with what
// triggers each syscall and where the fact comes from.
func ExampleFor() {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		log.Fatal(err)
	}
	p, err := runtimeprofile.For(strings.TrimSpace(string(out)), "linux", "arm64")
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range p.Select(runtimeprofile.CPUProfile) {
		fmt.Printf("%-18s %-22s %s\n", s.Name, s.Trigger, s.Source)
	}
	// What a filter allows for a program that uses runtime/pprof, and what
	// it answers with an errno for one that uses cgo.
	fmt.Println(p.Names(runtimeprofile.CPUProfile))
	fmt.Println(p.Errnos(runtimeprofile.Cgo))
}
