package runtimeprofile

import (
	"fmt"
	"go/ast"
	"go/token"
	"strconv"
	"strings"
)

// vdsoKey is one entry of the runtime's vdsoSymbolKeys table: a vDSO
// function the runtime looks up, and the variable that holds its address.
type vdsoKey struct {
	symbol string // e.g. "__vdso_getrandom"
	ptrVar string // e.g. "vdsoGetrandomSym"
	pos    string
}

// findVDSO reads runtime's vdsoSymbolKeys and notes which identifiers the
// runtime's function bodies use, to tell which looked-up vDSO functions are
// ever called.
func (s *scan) findVDSO(pf parsedFile) {
	if pf.pkg != "runtime" {
		return
	}
	for _, d := range pf.f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Body == nil {
				continue
			}
			ast.Inspect(d.Body, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok {
					s.bodyIdents[id.Name] = true
				}
				return true
			})
		case *ast.GenDecl:
			if d.Tok != token.VAR {
				continue
			}
			for _, sp := range d.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if n.Name != "vdsoSymbolKeys" || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.CompositeLit)
					if !ok {
						continue
					}
					for _, el := range lit.Elts {
						s.vdsoEntry(el)
					}
				}
			}
		}
	}
}

func (s *scan) vdsoEntry(el ast.Expr) {
	cl, ok := el.(*ast.CompositeLit)
	if !ok || len(cl.Elts) == 0 {
		return
	}
	var k vdsoKey
	if bl, ok := cl.Elts[0].(*ast.BasicLit); ok && bl.Kind == token.STRING {
		k.symbol, _ = strconv.Unquote(bl.Value)
	}
	if ue, ok := cl.Elts[len(cl.Elts)-1].(*ast.UnaryExpr); ok && ue.Op == token.AND {
		if id, ok := ue.X.(*ast.Ident); ok {
			k.ptrVar = id.Name
		}
	}
	pos := s.fset.Position(cl.Pos())
	k.pos = fmt.Sprintf("%s:%d", s.rel(pos.Filename), pos.Line)
	if k.symbol != "" && k.ptrVar != "" {
		s.vdso = append(s.vdso, k)
	}
}

// vdsoSyscall is the syscall a vDSO function enters the kernel with when
// its fast path cannot answer (an unstable clock source, a getrandom state
// that needs (re)seeding): the function's name without its prefix.
func vdsoSyscall(symbol string) string {
	for _, p := range []string{"__vdso_", "__kernel_"} {
		if n, ok := strings.CutPrefix(symbol, p); ok {
			return n
		}
	}
	return symbol
}

// vdsoUsed reports whether the runtime ever calls through k's pointer: a
// function body names it, or the runtime's assembly loads it. Another
// package that reaches the pointer through //go:linkname calls it from its
// own code: on amd64 the syscall package's gettimeofday uses
// vdsoGettimeofdaySym and falls back to SYS_gettimeofday in its assembly,
// which the program analysis finds when the program reaches it. So such a
// pointer does not put a syscall into the runtime's baseline.
func (s *scan) vdsoUsed(k vdsoKey) bool {
	return s.bodyIdents[k.ptrVar] || s.asmRefs["runtime."+k.ptrVar]
}
