package runtimeprofile

import (
	"go/ast"
	"go/token"
	"strconv"
	"strings"
)

// Constant evaluation: the integer constants of the source (the SYS_*
// numbers and what they are computed from), package-level and per function.

// evalConsts records package-level integer constants (the SYS_* numbers).
func (s *scan) evalConsts(pf parsedFile) {
	for _, d := range pf.f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if i < len(vs.Values) {
					if v, ok := s.constValue(pf, nil, vs.Values[i]); ok {
						s.consts[pf.pkg][n.Name] = v
					}
				}
			}
		}
	}
}

// constValue evaluates the integer constant expression e of file pf:
// literals, +, -, |, << and conversions over constants of the package, of
// an imported package and, when local is not nil, of the function being
// walked.
func (s *scan) constValue(pf parsedFile, local map[string]int64, e ast.Expr) (int64, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.INT {
			return 0, false
		}
		v, err := strconv.ParseInt(strings.ReplaceAll(x.Value, "_", ""), 0, 64)
		return v, err == nil
	case *ast.ParenExpr:
		return s.constValue(pf, local, x.X)
	case *ast.UnaryExpr:
		v, ok := s.constValue(pf, local, x.X)
		if ok && x.Op == token.SUB {
			return -v, true
		}
		return v, ok && x.Op == token.ADD
	case *ast.BinaryExpr:
		a, ok1 := s.constValue(pf, local, x.X)
		b, ok2 := s.constValue(pf, local, x.Y)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch x.Op {
		case token.ADD:
			return a + b, true
		case token.SUB:
			return a - b, true
		case token.OR:
			return a | b, true
		case token.SHL:
			return a << uint(b), true
		}
	case *ast.Ident:
		if v, ok := local[x.Name]; ok {
			return v, true
		}
		v, ok := s.consts[pf.pkg][x.Name]
		return v, ok
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			if ip, ok := pf.imports[id.Name]; ok {
				v, ok := s.consts[ip][x.Sel.Name]
				return v, ok
			}
		}
	case *ast.CallExpr: // conversions such as uintptr(SYS_X)
		if len(x.Args) == 1 {
			return s.constValue(pf, local, x.Args[0])
		}
	}
	return 0, false
}

// funcConsts returns the integer constants declared inside fd, such as
// riscv64's "const sys_RISCV_HWPROBE uintptr = 258".
func (s *scan) funcConsts(pf parsedFile, fd *ast.FuncDecl) map[string]int64 {
	var out map[string]int64
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		gd, ok := n.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			return true
		}
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			for i, id := range vs.Names {
				if i < len(vs.Values) {
					if v, ok := s.constValue(pf, nil, vs.Values[i]); ok {
						if out == nil {
							out = map[string]int64{}
						}
						out[id.Name] = v
					}
				}
			}
		}
		return true
	})
	return out
}
