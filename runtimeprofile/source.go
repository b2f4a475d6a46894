package runtimeprofile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/build"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// sourcePackage is the part of `go list -json` output the extraction reads.
type sourcePackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	SFiles     []string
	Imports    []string
}

// listRuntime returns runtime and every package it depends on, with the
// files the toolchain in goroot would compile for goos/goarch. It asks that
// toolchain's own `go list`, so build tags, GOEXPERIMENT defaults and file
// name rules are exactly the ones that build the program; when GOROOT has
// no go command it falls back to go/build's rules.
func listRuntime(goroot, goos, goarch string) ([]sourcePackage, error) {
	goCmd := filepath.Join(goroot, "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		return buildRuntime(goroot, goos, goarch)
	}
	cmd := exec.Command(goCmd, "list", "-deps", "-json=ImportPath,Dir,GoFiles,SFiles,Imports", "runtime")
	cmd.Dir = os.TempDir() // outside any module: std packages only
	cmd.Env = append(os.Environ(),
		"GOROOT="+goroot, "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0",
		"GOTOOLCHAIN=local", "GOWORK=off", "GOFLAGS=", "GO111MODULE=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("runtimeprofile: %s list runtime for %s/%s: %v: %s", goCmd, goos, goarch, err, strings.TrimSpace(stderr.String()))
	}
	var pkgs []sourcePackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p sourcePackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("runtimeprofile: decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// buildRuntime is listRuntime without a go command: go/build's file
// selection for goos/goarch with cgo off. It cannot know the toolchain's
// default GOEXPERIMENTs, which only choose between implementations that
// issue the same syscalls.
func buildRuntime(goroot, goos, goarch string) ([]sourcePackage, error) {
	ctxt := build.Default
	ctxt.GOROOT, ctxt.GOOS, ctxt.GOARCH, ctxt.CgoEnabled = goroot, goos, goarch, false
	ctxt.GOPATH = ""
	seen := map[string]bool{}
	var pkgs []sourcePackage
	var visit func(path string) error
	visit = func(path string) error {
		if seen[path] || path == "unsafe" || path == "C" {
			return nil
		}
		seen[path] = true
		bp, err := ctxt.Import(path, "", 0)
		if err != nil {
			return fmt.Errorf("runtimeprofile: loading %s from GOROOT %s: %v", path, goroot, err)
		}
		for _, imp := range bp.Imports {
			if err := visit(imp); err != nil {
				return err
			}
		}
		pkgs = append(pkgs, sourcePackage{ImportPath: path, Dir: bp.Dir, GoFiles: bp.GoFiles, SFiles: bp.SFiles, Imports: bp.Imports})
		return nil
	}
	if err := visit("runtime"); err != nil {
		return nil, err
	}
	return pkgs, nil
}

// readGoVersion returns the first line of GOROOT/VERSION ("go1.26.8").
func readGoVersion(goroot string) (string, error) {
	b, err := os.ReadFile(filepath.Join(goroot, "VERSION"))
	if err != nil {
		return "", fmt.Errorf("runtimeprofile: %q does not look like a GOROOT (reading VERSION: %v); pass the output of `go env GOROOT` of the toolchain that builds the program", goroot, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "go") {
		return "", fmt.Errorf("runtimeprofile: %s/VERSION starts with %q, not a Go version; pass a release toolchain's GOROOT", goroot, line)
	}
	return line, nil
}
