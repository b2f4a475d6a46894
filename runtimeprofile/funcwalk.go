package runtimeprofile

import (
	"fmt"
	"go/ast"
	"go/token"
	"slices"
	"strings"
)

// The per-function walker: the call edges, escapes and syscall sites of
// each declaration, with where it is (scope) passed down the walk.

// scope is where a walk of the source is: one declaration of a file, the
// names it declares and the constants declared in it. It is passed down
// the walk, so that nothing of one declaration outlives its walk.
type scope struct {
	pf     parsedFile
	fn     string           // node key of the function (pkg.<var> for a package-level var declaration)
	consts map[string]int64 // integer constants declared in the function
	locals map[string]bool  // names declared in the function (see localNames)
}

// walkFile adds the call edges, escapes and syscall sites of one file.
func (s *scan) walkFile(pf parsedFile) {
	for _, d := range pf.f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Body != nil {
				key := funcKey(pf.pkg, d)
				sc := scope{pf: pf, fn: key, consts: s.funcConsts(pf, d), locals: localNames(d)}
				s.walk(sc, d.Body, key, key)
			}
		case *ast.GenDecl:
			// Functions named in package-level variables (tables of
			// handlers, hooks) can be called from anywhere.
			if d.Tok == token.VAR {
				sc := scope{pf: pf, fn: pf.pkg + ".<var>"}
				s.walk(sc, d, "", "package-level variable "+pf.pkg)
			}
		}
	}
}

// walk visits n, whose calls are made by owner ("" when the caller is
// unknown, which makes every callee escape with the reason why).
func (s *scan) walk(sc scope, n ast.Node, owner, why string) {
	pf, locals := sc.pf, sc.locals
	ast.Inspect(n, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			// A closure can run later and elsewhere (stored, deferred to
			// another thread): its calls have an unknown caller.
			s.walk(sc, x.Body, "", "closure in "+why)
			return false
		case *ast.GoStmt:
			s.call(sc, x.Call, "", "goroutine started in "+why)
			return false
		case *ast.CallExpr:
			s.call(sc, x, owner, why)
			return false
		case *ast.Ident:
			if !locals[x.Name] && s.funcs[pf.pkg][x.Name] {
				s.escape(pf.pkg+"."+x.Name, "function value in "+why)
			}
		case *ast.SelectorExpr:
			s.valueSelector(sc, x, why)
			s.walk(sc, x.X, owner, why)
			return false
		}
		return true
	})
}

// valueSelector handles pkg.F or x.m used as a value, not called.
func (s *scan) valueSelector(sc scope, x *ast.SelectorExpr, why string) {
	pf, locals := sc.pf, sc.locals
	if id, ok := x.X.(*ast.Ident); ok && !locals[id.Name] {
		if ip, ok := pf.imports[id.Name]; ok {
			if s.funcs[ip][x.Sel.Name] {
				s.escape(ip+"."+x.Sel.Name, "function value in "+why)
			}
			return
		}
	}
	for _, m := range s.methods[x.Sel.Name] {
		s.escape(m, "method value in "+why)
	}
}

// call adds the edges, escapes and syscall sites of one call made by owner
// ("" when the caller is unknown).
func (s *scan) call(sc scope, call *ast.CallExpr, owner, why string) {
	pf, locals := sc.pf, sc.locals
	fun := unwrapName(call.Fun, false)
	var callees []string
	switch f := fun.(type) {
	case *ast.Ident:
		if !locals[f.Name] && s.funcs[pf.pkg][f.Name] {
			callees = []string{pf.pkg + "." + f.Name}
		}
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok && !locals[id.Name] && pf.imports[id.Name] != "" {
			if ip := pf.imports[id.Name]; s.funcs[ip][f.Sel.Name] {
				callees = []string{ip + "." + f.Sel.Name}
			}
		} else {
			// A method call by name: every method so named (interface
			// calls included).
			callees = s.methods[f.Sel.Name]
			s.walk(sc, f.X, owner, why)
		}
	default:
		s.walk(sc, fun, owner, why)
	}
	for _, c := range callees {
		if owner == "" {
			s.escape(c, why)
		} else {
			s.edge(owner, c)
		}
	}
	pos := s.fset.Position(call.Pos())
	where := fmt.Sprintf("%s:%d", s.rel(pos.Filename), pos.Line)
	site := owner
	if site == "" {
		// A closure (or a goroutine) of the function being walked: its
		// own node, which nothing proves start-up only; triggerOf looks
		// the enclosing function up.
		site = sc.fn + closureSuffix
	}
	if isSyscall6(pf, call) && pf.pkg != linuxPkg && len(call.Args) > 0 {
		if v, ok := s.constValue(pf, sc.consts, call.Args[0]); ok {
			s.sites = append(s.sites, rawSite{fn: site, nr: uint32(v), macro: exprString(call.Args[0]), pos: where})
		} else {
			s.dynamic = append(s.dynamic, Site{Func: site, Pos: where, Trigger: TriggerLinkname})
		}
	}
	for _, c := range callees {
		if pf.pkg == linuxPkg {
			break
		}
		for _, w := range s.wrappers[c] {
			s.sites = append(s.sites, rawSite{fn: site, nr: w.nr, macro: w.macro, pos: where})
		}
	}
	// systemstack(func() {...}) runs the closure synchronously on the
	// caller's behalf; attribute its calls to the caller.
	for _, a := range call.Args {
		if lit, ok := a.(*ast.FuncLit); ok && len(callees) == 1 && strings.HasSuffix(callees[0], ".systemstack") {
			s.walk(sc, lit.Body, owner, why)
			continue
		}
		s.walk(sc, a, owner, why)
	}
}

// localNames returns the names a function declares (receiver, parameters,
// results, variables, closures' parameters). Scopes are not tracked: a name
// declared anywhere in the function hides the package-level function of
// that name everywhere in it, which can only lose an edge into a function
// that the body both shadows and calls, a pattern the runtime avoids.
func localNames(fd *ast.FuncDecl) map[string]bool {
	locals := map[string]bool{}
	addFields := func(fl *ast.FieldList) {
		if fl == nil {
			return
		}
		for _, f := range fl.List {
			for _, n := range f.Names {
				locals[n.Name] = true
			}
		}
	}
	addFields(fd.Recv)
	addFields(fd.Type.Params)
	addFields(fd.Type.Results)
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncType:
			addFields(x.Params)
			addFields(x.Results)
		case *ast.AssignStmt:
			if x.Tok == token.DEFINE {
				for _, l := range x.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						locals[id.Name] = true
					}
				}
			}
		case *ast.RangeStmt:
			if x.Tok == token.DEFINE {
				for _, e := range []ast.Expr{x.Key, x.Value} {
					if id, ok := e.(*ast.Ident); ok {
						locals[id.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range x.Names {
				locals[id.Name] = true
			}
		}
		return true
	})
	return locals
}

// isSyscall6 reports whether call is linux.Syscall6 (or Syscall6 inside the
// linux package itself).
func isSyscall6(pf parsedFile, call *ast.CallExpr) bool {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return pf.pkg == linuxPkg && f.Name == "Syscall6"
	case *ast.SelectorExpr:
		id, ok := f.X.(*ast.Ident)
		return ok && pf.imports[id.Name] == linuxPkg && f.Sel.Name == "Syscall6"
	}
	return false
}

// findWrappers records, for each function of the linux package, which
// constant syscall numbers it passes to Syscall6. Calls to these wrappers
// elsewhere become sites attributed to the caller, so that each site is
// judged by who issues it (the cgroup reader, the poller), not by the
// shared wrapper.
func (s *scan) findWrappers(pf parsedFile) {
	if pf.pkg != linuxPkg {
		return
	}
	for _, d := range pf.f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil || fd.Recv != nil {
			continue
		}
		key := funcKey(pf.pkg, fd)
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if ok && isSyscall6(pf, call) && len(call.Args) > 0 {
				if v, ok := s.constValue(pf, nil, call.Args[0]); ok {
					w := wrapperUse{uint32(v), exprString(call.Args[0])}
					if !slices.Contains(s.wrappers[key], w) {
						s.wrappers[key] = append(s.wrappers[key], w)
					}
				}
			}
			return true
		})
	}
}

func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	case *ast.CallExpr:
		if len(x.Args) == 1 {
			return exprString(x.Args[0])
		}
	}
	return "?"
}
