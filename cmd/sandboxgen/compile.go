package main

import (
	"errors"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/gen"
)

// version is this generator's version, recorded in every generated file.
// It is a constant rather than the module's build information so that the
// same inputs give the same bytes whoever builds the command.
const version = "0.1.0"

func generatorVersion() string { return "sandboxgen " + version }

// compiled is a policy compiled and rendered as Go source.
type compiled struct {
	source       []byte
	instructions int
}

// compileProgram compiles pol into a BPF program and renders the Go file
// that registers it.
func compileProgram(p *analyzer.Program, pol gen.Policy, o *options) (compiled, error) {
	return compiled{}, errors.New("the compiler is not available yet")
}

// defaultFileName is the generated file's name for arch.
func defaultFileName(arch string) string {
	return "sandbox_linux_" + arch + ".go"
}
