package analyzer

import (
	"strings"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
)

// Linkname edges map a function declared without a body to the function whose
// body the linker gives it through //go:linkname: either the declaring
// package pulls it ("//go:linkname local other/pkg.name" on the bodyless
// declaration) or another package pushes its own function into it
// ("//go:linkname impl this/pkg.local" next to the body). Without these
// edges every call through such a declaration (internal/poll to the
// runtime, internal/syscall/unix.fcntl to syscall, time.Sleep) would end
// the call graph.

// linkDirective is a //go:linkname directive; target is empty in the
// one-argument form.
type linkDirective struct {
	pkg           string // package the directive is in
	local, target string
}

// linkedSymbols returns the symbols ("path.name") the directives name,
// locals and targets alike: memory or code the linker may share with
// another declaration.
func linkedSymbols(dirs []linkDirective) map[string]bool {
	out := map[string]bool{}
	for _, d := range dirs {
		out[d.pkg+"."+d.local] = true
		if d.target != "" {
			out[d.target] = true
		}
	}
	return out
}

// linkDirectives returns the //go:linkname directives in the syntax of
// pkgs and their imports; they are read before the SSA program is built,
// so that the syntax can be dropped then (see releaseSyntax).
func linkDirectives(pkgs []*packages.Package) []linkDirective {
	var dirs []linkDirective
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, f := range p.Syntax {
			for _, cg := range f.Comments {
				for _, c := range cg.List {
					rest, ok := strings.CutPrefix(c.Text, "//go:linkname ")
					if !ok {
						continue
					}
					fields := strings.Fields(rest)
					switch len(fields) {
					case 1: // only exports the symbol: no edge, but a shared name
						dirs = append(dirs, linkDirective{p.PkgPath, fields[0], ""})
					case 2:
						dirs = append(dirs, linkDirective{p.PkgPath, fields[0], fields[1]})
					}
				}
			}
		}
	})
	return dirs
}

// resolveLinks maps the directives to the functions of the built program.
func resolveLinks(prog *ssa.Program, dirs []linkDirective) map[*ssa.Function]*ssa.Function {
	lookup := func(pkgPath, name string) *ssa.Function {
		p := prog.ImportedPackage(pkgPath)
		if p == nil {
			return nil
		}
		fn, _ := p.Members[name].(*ssa.Function)
		return fn
	}
	lookupSym := func(sym string) *ssa.Function {
		slash := strings.LastIndex(sym, "/")
		dot := strings.Index(sym[slash+1:], ".")
		if dot < 0 {
			return nil
		}
		dot += slash + 1
		return lookup(sym[:dot], sym[dot+1:])
	}
	links := make(map[*ssa.Function]*ssa.Function)
	for _, d := range dirs {
		if d.target == "" {
			continue // a one-argument directive links nothing
		}
		local := lookup(d.pkg, d.local)
		target := lookupSym(d.target)
		if local == nil || target == nil || local == target {
			continue
		}
		switch {
		case local.Blocks == nil && target.Blocks != nil: // pull
			links[local] = target
		case local.Blocks != nil && target.Blocks == nil: // push
			links[target] = local
		case local.Blocks == nil && target.Blocks == nil: // pull of a pushed or assembly symbol
			links[local] = target
		}
	}
	return links
}
