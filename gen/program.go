package gen

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// hashPolicy returns a hex SHA-256 of a canonical text form of p: the
// same policy gives the same hash whatever the order of its map.
func hashPolicy(p Policy, def, badArch Action) string {
	var b strings.Builder
	fmt.Fprintf(&b, "arch %s\ndefault %s\nbadarch %s\n", p.Arch, def, badArch)
	names := make([]string, 0, len(p.Syscalls))
	for n := range p.Syscalls {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "syscall %s\n", n)
		for _, r := range p.Syscalls[n] {
			fmt.Fprintf(&b, " rule %s", r.Action)
			for _, a := range r.Args {
				fmt.Fprintf(&b, " arg%d%s%#x/%#x", a.Index, a.Op, a.Value, a.Mask)
			}
			b.WriteString("\n")
		}
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// Metadata is what a generated file records besides the program.
type Metadata struct {
	// Package is the Go package name of the generated file; "main" if empty.
	Package string
	// GoVersion is the toolchain whose runtime baseline the policy
	// includes, e.g. "go1.26.8".
	GoVersion string
	// Cgo says the policy covers a build that links cgo (the runtime's
	// cgo group and the libc calls of the analysis); Race, a build with
	// -race. They become selfsandbox.Program.Cgo and Race: Lock refuses a
	// binary built with a setting its program does not cover.
	Cgo, Race bool
	// CLibraries are the shared libraries the analysis of the program's C
	// code read, as selfsandbox.Program.CLibraries: Register compares
	// them with the libraries the process loaded.
	CLibraries []selfsandbox.Library
	// GeneratorVersion is the sandboxgen version; Version if empty.
	GeneratorVersion string
	// Origins maps a syscall name to where it comes from (e.g. "runtime:
	// always", "program: web.(*server).status (main.go:120)"): Emit writes
	// it as a trailing comment on the syscall's line of each allow-list,
	// so that a diff of a regenerated file says why a line came or went.
	// Newlines are replaced by spaces.
	Origins map[string]string
	// Fallback, when set, is a wider program for the same arch and default
	// action that the file carries as selfsandbox.Program.Fallback: Lock
	// installs it instead when a goroutine started at one of its
	// Goroutines is still running.
	Fallback *Fallback
}

// Fallback is a wider program and the go statements that call for it.
type Fallback struct {
	Program    *Program
	Goroutines []selfsandbox.GoStatement
}

// check reports whether fb can stand in for p.
func (fb *Fallback) check(p *Program) error {
	switch {
	case fb.Program == nil:
		return fmt.Errorf("gen: Metadata.Fallback has no Program")
	case len(fb.Goroutines) == 0:
		return fmt.Errorf("gen: Metadata.Fallback names no go statements, so Lock would never install it")
	case fb.Program.Arch != p.Arch || fb.Program.Default != p.Default:
		return fmt.Errorf("gen: Metadata.Fallback is for %s with default %s, the program for %s with default %s; compile both from policies for one arch and default",
			fb.Program.Arch, fb.Program.Default, p.Arch, p.Default)
	}
	return nil
}

// Version is this generator's version, recorded in generated files.
const Version = "v0.1.0"

func (m Metadata) withDefaults() Metadata {
	if m.Package == "" {
		m.Package = "main"
	}
	if m.GeneratorVersion == "" {
		m.GeneratorVersion = Version
	}
	return m
}

// Selfsandbox returns the program in the form selfsandbox.Register takes,
// for installing a program compiled at run time (tests, tools). Generated
// files build the same value as a literal.
func (p *Program) Selfsandbox(meta Metadata) selfsandbox.Program {
	meta = meta.withDefaults()
	out := selfsandbox.Program{
		Arch:             p.Arch,
		AuditArch:        p.AuditArch,
		DefaultAction:    p.Default.Ret(),
		GoVersion:        meta.GoVersion,
		Cgo:              meta.Cgo,
		Race:             meta.Race,
		GeneratorVersion: meta.GeneratorVersion,
		PolicyHash:       p.PolicyHash,
		CLibraries:       slices.Clone(meta.CLibraries),
	}
	out.Instructions, out.Allowed = p.selfsandboxFilter()
	if fb := meta.Fallback; fb != nil && fb.Program != nil {
		f := &selfsandbox.Fallback{Goroutines: slices.Clone(fb.Goroutines)}
		f.Instructions, f.Allowed = fb.Program.selfsandboxFilter()
		out.Fallback = f
	}
	return out
}

// selfsandboxFilter returns p's instructions and allowed syscalls in
// selfsandbox's types.
func (p *Program) selfsandboxFilter() ([]selfsandbox.Instruction, []selfsandbox.Syscall) {
	insns := make([]selfsandbox.Instruction, len(p.Instructions))
	for i, ins := range p.Instructions {
		insns[i] = selfsandbox.Instruction{Code: ins.Code, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	var allowed []selfsandbox.Syscall
	for _, s := range p.Allowed {
		allowed = append(allowed, selfsandbox.Syscall{Name: s.Name, Nr: s.Nr})
	}
	return insns, allowed
}
