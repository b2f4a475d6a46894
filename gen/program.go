package gen

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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
	// GeneratorVersion is the sandboxgen version; Version if empty.
	GeneratorVersion string
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
		Instructions:     make([]selfsandbox.Instruction, len(p.Instructions)),
		DefaultAction:    p.Default.Ret(),
		GoVersion:        meta.GoVersion,
		GeneratorVersion: meta.GeneratorVersion,
		PolicyHash:       p.PolicyHash,
	}
	for i, ins := range p.Instructions {
		out.Instructions[i] = selfsandbox.Instruction{Code: ins.Code, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	for _, s := range p.Allowed {
		out.Allowed = append(out.Allowed, selfsandbox.Syscall{Name: s.Name, Nr: s.Nr})
	}
	return out
}
