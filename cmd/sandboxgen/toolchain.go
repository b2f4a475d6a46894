package main

import (
	"fmt"
	"os/exec"
	"runtime"
	"strings"
)

// toolchainVersion returns the version of the go command in PATH in dir;
// tests replace it.
var toolchainVersion = func(dir string) (string, error) {
	cmd := exec.Command("go", "env", "GOVERSION")
	cmd.Dir = dir
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

// builtWith is the Go version sandboxgen was built with; tests replace it.
var builtWith = runtime.Version()

// toolchainMismatch returns, when sandboxgen was built by another Go
// release than the go command in PATH, a message that says so and how to
// fix it: the analysis type-checks the toolchain's standard library with
// the go/types sandboxgen was built with, which may not read a newer one.
func toolchainMismatch(dir string) string {
	tool, err := toolchainVersion(dir)
	if err != nil || tool == "" {
		return ""
	}
	if release(tool) == "" || release(builtWith) == "" || release(tool) == release(builtWith) {
		return ""
	}
	return fmt.Sprintf("sandboxgen was built with %s but the go command here is %s; rebuild it with this toolchain: "+
		"go get -tool github.com/sandboxgen/sandboxgen/cmd/sandboxgen and run go tool sandboxgen, or go install github.com/sandboxgen/sandboxgen/cmd/sandboxgen@latest",
		builtWith, tool)
}

// release returns the "go1.N" of a Go version such as "go1.26.8", or ""
// for a development version.
func release(v string) string {
	rest, ok := strings.CutPrefix(v, "go1.")
	if !ok {
		return ""
	}
	minor, _, _ := strings.Cut(rest, ".")
	for _, sep := range []string{"rc", "beta", " ", "-"} {
		minor, _, _ = strings.Cut(minor, sep)
	}
	if minor == "" || strings.Trim(minor, "0123456789") != "" {
		return ""
	}
	return "go1." + minor
}
