package main

import (
	"fmt"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/selfsandbox"
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
	// fallbackAllowed is what the fallback program allows, 0 without one.
	fallbackAllowed int
}

// compileProgram compiles pol into a BPF program and renders the Go file
// that registers it in p's (main) package. With fallback set, pol is the
// narrow policy and fallback the whole one, which the file carries for
// Lock to install if a goroutine of p.Outliving is still running.
func compileProgram(p *analyzer.Program, pol gen.Policy, fallback *gen.Policy) (compiled, error) {
	prog, err := gen.Compile(pol)
	if err != nil {
		return compiled{}, err
	}
	// Cgo: the filter covers a build with cgo (see
	// analyzer.Program.CoversCgo); Lock refuses a cgo binary otherwise.
	meta := gen.Metadata{Package: "main", GoVersion: p.GoVersion, Cgo: p.CoversCgo, Origins: originsOf(p, pol, fallback), CLibraries: cLibraries(p)}
	out := compiled{instructions: len(prog.Instructions), allowed: len(prog.Allowed)}
	if fallback != nil {
		wide, err := gen.Compile(*fallback)
		if err != nil {
			return compiled{}, fmt.Errorf("fallback: %w", err)
		}
		meta.Fallback = &gen.Fallback{Program: wide, Goroutines: p.GoStatements()}
		out.fallbackAllowed = len(wide.Allowed)
	}
	out.source, err = gen.Emit(prog, meta)
	if err != nil {
		return compiled{}, err
	}
	return out, nil
}

// defaultFileName is the generated file's name for arch.
func defaultFileName(arch string) string { return gen.FileName(arch) }

// cLibraries are the libraries the analysis of p's C code read, as the
// generated file records them.
func cLibraries(p *analyzer.Program) []selfsandbox.Library {
	var out []selfsandbox.Library
	for _, l := range p.CLibraries {
		out = append(out, selfsandbox.Library{Soname: l.Soname, Path: l.Path, BuildID: l.BuildID})
	}
	return out
}
