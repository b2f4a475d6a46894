package analyzer

import (
	"bufio"
	"os"
	"regexp"
	"strings"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
)

// Functions declared in Go without a body are implemented in assembly (or
// pushed through //go:linkname, see linkname.go). Beyond the known trap
// primitives, such a function can enter the kernel itself
// (syscall.gettimeofday falls back to SYSCALL when the vDSO is missing) or
// jump to another Go function. The assembly of every package of the
// program is read for that: a TEXT symbol's syscall instructions with the
// $SYS_* constants it loads, and its JMP/CALL targets.

// asmFunc is what a TEXT symbol's body does.
type asmFunc struct {
	file     string
	line     int
	traps    int      // syscall instructions
	sysNames []string // $SYS_name operands, lower case
	jumps    []asmRef // tail calls
	calls    []asmRef // calls
}

// asmRef names a Go function an assembly body jumps to or calls.
type asmRef struct{ pkg, name string }

var (
	asmText    = regexp.MustCompile(`^\s*TEXT\s+([^\s(·]*)·([\w]+)(?:<[\w]+>)?\(SB\)`)
	asmTrap    = regexp.MustCompile(`^\s*(?:SYSCALL|SVC|SWI|ECALL)\b|^\s*INT\s+\$(?:0x80|128)\b`)
	asmSysName = regexp.MustCompile(`\$(?:SYS_|__NR_)(\w+)`)
	asmBranch  = regexp.MustCompile(`^\s*(JMP|CALL|B|BL|BR)\s+([^\s(·]*)·([\w]+)(?:<[\w]+>)?\(SB\)`)
)

// readAsm parses the assembly files of the packages (OtherFiles ending in
// .s), keyed by "pkgpath.name".
func readAsm(pkgs []*packages.Package) map[string]*asmFunc {
	out := map[string]*asmFunc{}
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, file := range p.OtherFiles {
			if !strings.HasSuffix(file, ".s") {
				continue
			}
			f, err := os.Open(file)
			if err != nil {
				continue
			}
			var cur *asmFunc
			sc := bufio.NewScanner(f)
			for line := 1; sc.Scan(); line++ {
				text := sc.Text()
				if i := strings.Index(text, "//"); i >= 0 {
					text = text[:i]
				}
				if m := asmText.FindStringSubmatch(text); m != nil {
					pkg := asmPkg(m[1], p.PkgPath)
					cur = &asmFunc{file: file, line: line}
					out[pkg+"."+m[2]] = cur
					continue
				}
				if cur == nil {
					continue
				}
				if asmTrap.MatchString(text) {
					cur.traps++
				}
				for _, m := range asmSysName.FindAllStringSubmatch(text, -1) {
					cur.sysNames = append(cur.sysNames, strings.ToLower(m[1]))
				}
				if m := asmBranch.FindStringSubmatch(text); m != nil {
					ref := asmRef{asmPkg(m[2], p.PkgPath), m[3]}
					if m[1] == "CALL" || m[1] == "BL" {
						cur.calls = append(cur.calls, ref)
					} else {
						cur.jumps = append(cur.jumps, ref)
					}
				}
			}
			f.Close()
		}
	})
	return out
}

// asmPkg turns an assembly symbol's package qualifier into an import path:
// empty means the file's own package, and "∕" (division slash) stands for
// "/".
func asmPkg(qual, self string) string {
	if qual == "" {
		return self
	}
	return strings.ReplaceAll(qual, "∕", "/")
}

// asmOf returns the assembly body of a bodyless function, if any.
func (p *program) asmOf(fn *ssa.Function) *asmFunc {
	if fn.Blocks != nil || fn.Pkg == nil || p.asm == nil {
		return nil
	}
	return p.asm[fn.Pkg.Pkg.Path()+"."+fn.Name()]
}

// asmEdges returns the edges to the Go functions a bodyless function's
// assembly jumps to or calls.
func (p *program) asmEdges(fn *ssa.Function) []edge {
	af := p.asmOf(fn)
	if af == nil {
		return nil
	}
	var out []edge
	for _, group := range []struct {
		kind edgeKind
		refs []asmRef
	}{{edgeAsmJump, af.jumps}, {edgeAsmCall, af.calls}} {
		kind := group.kind
		for _, ref := range group.refs {
			p := p.prog.ImportedPackage(ref.pkg)
			if p == nil {
				continue
			}
			if target, ok := p.Members[ref.name].(*ssa.Function); ok && target != fn {
				out = append(out, edge{caller: fn, callee: target, kind: kind})
			}
		}
	}
	return out
}
