package main

import (
	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/gen"
)

// generatorVersion names this generator in reports. Generated files record
// gen.Version, a constant, so that the same inputs give the same bytes
// whoever builds the command and from whichever commit.
func generatorVersion() string { return "sandboxgen " + gen.Version }

// compiled is a policy compiled and rendered as Go source.
type compiled struct {
	source       []byte
	instructions int
	allowed      int
}

// compileProgram compiles pol into a BPF program and renders the Go file
// that registers it in p's (main) package.
func compileProgram(p *analyzer.Program, pol gen.Policy) (compiled, error) {
	prog, err := gen.Compile(pol)
	if err != nil {
		return compiled{}, err
	}
	src, err := gen.Emit(prog, gen.Metadata{Package: "main", GoVersion: p.GoVersion})
	if err != nil {
		return compiled{}, err
	}
	return compiled{source: src, instructions: len(prog.Instructions), allowed: len(prog.Allowed)}, nil
}

// defaultFileName is the generated file's name for arch.
func defaultFileName(arch string) string { return gen.FileName(arch) }
