package analyzer

import (
	"fmt"
	"go/constant"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// trapPrimitives are the functions without a Go body that enter the kernel
// with their first parameter as the syscall number: the assembly entry
// points of the syscall package, internal/runtime/syscall and
// golang.org/x/sys/unix, and the runtime hook behind
// syscall.AllThreadsSyscall. Every Go-level wrapper around them (syscall.Syscall,
// syscall.RawSyscall6, unix.Syscall, ...) is found by the fixed point in
// findSites, not listed here. The x/sys/unix names are matched by package
// path suffix so that vendored copies count too.
var trapPrimitives = map[string]bool{
	"internal/runtime/syscall/linux.Syscall6": true,
	"syscall.rawSyscallNoError":               true,
	"syscall.rawVforkSyscall":                 true,
	"syscall.runtime_doAllThreadsSyscall":     true,
	"golang.org/x/sys/unix.Syscall":           true,
	"golang.org/x/sys/unix.Syscall6":          true,
	"golang.org/x/sys/unix.RawSyscall":        true,
	"golang.org/x/sys/unix.RawSyscall6":       true,
	"golang.org/x/sys/unix.SyscallNoError":    true,
	"golang.org/x/sys/unix.RawSyscallNoError": true,
}

// isTrapPrimitive reports whether fn is one of trapPrimitives.
func isTrapPrimitive(fn *ssa.Function) bool {
	if fn.Blocks != nil || fn.Pkg == nil || fn.Signature.Recv() != nil {
		return false
	}
	path := fn.Pkg.Pkg.Path()
	if i := strings.LastIndex(path, "/vendor/"); i >= 0 {
		path = path[i+len("/vendor/"):]
	}
	path = strings.TrimPrefix(path, "vendor/")
	return trapPrimitives[path+"."+fn.Name()]
}

// wrapper is a function whose parameter idx flows into a syscall number.
type wrapper struct {
	fn  *ssa.Function
	idx int
}

// numbers is what a syscall number argument can be.
type numbers struct {
	consts  map[uint64]bool
	params  []wrapper // parameters of the enclosing (or an outer) function
	unknown []string  // why some sources cannot be resolved
}

// siteNeed is a syscall number needed at a call site.
type siteNeed struct {
	nr     uint64
	caller *ssa.Function
	pos    token.Pos
	site   ssa.CallInstruction // the call that supplies the number; nil for assembly
}

// siteResult is the outcome of the site search for one program.
type siteResult struct {
	needs      []siteNeed
	unresolved []unresolvedSite
	wrappers   map[wrapper]bool
}

type unresolvedSite struct {
	caller *ssa.Function
	pos    token.Pos
	reason string
}

// findSites finds every reachable call that supplies a syscall number to a
// trap primitive, directly or through forwarding wrappers found by a fixed
// point: a function whose parameter flows into the number argument of a
// trap primitive or of another wrapper is itself a wrapper, and its callers
// supply the number.
func (p *program) findSites(r *reach) *siteResult {
	res := &siteResult{wrappers: map[wrapper]bool{}}
	var work []wrapper
	add := func(w wrapper) {
		if !res.wrappers[w] {
			res.wrappers[w] = true
			work = append(work, w)
		}
	}
	// Deterministic order: sort the reachable primitives by name.
	var prims []*ssa.Function
	for fn := range r.funcs {
		if isTrapPrimitive(fn) {
			prims = append(prims, fn)
		}
	}
	sort.Slice(prims, func(i, j int) bool { return p.calleeName(prims[i]) < p.calleeName(prims[j]) })
	for _, fn := range prims {
		add(wrapper{fn, 0})
	}
	p.asmSites(r, res)
	for len(work) > 0 {
		w := work[0]
		work = work[1:]
		preds := r.pred[w.fn]
		if len(preds) == 0 && r.rootWhy[w.fn] != "" {
			res.unresolved = append(res.unresolved, unresolvedSite{w.fn, w.fn.Pos(),
				fmt.Sprintf("the syscall number is parameter %d of %s, which is called from outside the program's code (%s)", w.idx, w.fn.RelString(nil), r.rootWhy[w.fn])})
		}
		for _, e := range preds {
			switch e.kind {
			case edgeLink, edgeAsmJump: // the declaration forwards its parameters
				add(wrapper{e.caller, w.idx})
				continue
			case edgeAsmCall:
				res.unresolved = append(res.unresolved, unresolvedSite{e.caller, e.caller.Pos(),
					fmt.Sprintf("assembly function %s calls %s, whose parameter %d is a syscall number", e.caller.RelString(nil), w.fn.RelString(nil), w.idx)})
				continue
			}
			arg := argAt(e.site.Common(), w.idx)
			if arg == nil {
				res.unresolved = append(res.unresolved, unresolvedSite{e.caller, e.site.Pos(),
					fmt.Sprintf("the call to %s has no argument %d", w.fn.RelString(nil), w.idx)})
				continue
			}
			n := p.values().numbers(arg)
			for nr := range n.consts {
				res.needs = append(res.needs, siteNeed{nr, e.caller, e.site.Pos(), e.site})
			}
			for _, p := range n.params {
				add(p)
			}
			for _, why := range n.unknown {
				res.unresolved = append(res.unresolved, unresolvedSite{e.caller, e.site.Pos(),
					fmt.Sprintf("the syscall number passed to %s %s", w.fn.RelString(nil), why)})
			}
		}
	}
	return res
}

// numbers resolves the values v (an integer) can take: constants, phis
// and conversions of them, package variables and local cells that are only
// ever assigned such values, and parameters, which make the enclosing
// function a wrapper. Sums and other operations of two such values are
// folded when both sides are a few constants.
func (f *valueFlow) numbers(v ssa.Value) numbers {
	return f.numbersIn(v, map[*ssa.BinOp]bool{})
}

// numbersIn is numbers with the operations being folded, so that a number
// computed from itself (a counter in a loop) is unknown, not a recursion
// without end.
func (f *valueFlow) numbersIn(v ssa.Value, folding map[*ssa.BinOp]bool) numbers {
	n := numbers{consts: map[uint64]bool{}}
	rules := flowRules{conversions: true, freeVars: true, cells: true}
	f.trace(v, rules, func(s source) bool {
		switch s.kind {
		case sourceUnbound:
			fv := s.v.(*ssa.FreeVar)
			n.unknown = append(n.unknown, fmt.Sprintf("is captured variable %s of %s, whose closure is not made in reachable code", fv.Name(), fv.Parent().RelString(nil)))
			return true
		case sourceEscaping:
			n.unknown = append(n.unknown, fmt.Sprintf("is read from %s, and %s", s.v.(*ssa.UnOp).X.Name(), s.why))
			return true
		case sourceZero:
			n.consts[0] = true // never assigned: the zero value
			return true
		}
		switch v := s.v.(type) {
		case *ssa.Const:
			if v.Value == nil || v.Value.Kind() != constant.Int {
				n.unknown = append(n.unknown, fmt.Sprintf("is the non-integer constant %s", v))
				return true
			}
			if u, ok := constant.Uint64Val(v.Value); ok {
				n.consts[u] = true
			} else if i, ok := constant.Int64Val(v.Value); ok {
				n.consts[uint64(i)] = true
			}
		case *ssa.Parameter:
			n.params = append(n.params, wrapper{v.Parent(), paramIndex(v)})
		case *ssa.UnOp:
			if v.Op != token.MUL {
				n.unknown = append(n.unknown, fmt.Sprintf("is computed (%s) at %s", v, f.pos(v.Pos())))
			} else {
				n.unknown = append(n.unknown, f.describe(v))
			}
		case *ssa.BinOp:
			f.foldNumbers(v, &n, folding)
		default:
			n.unknown = append(n.unknown, f.describe(v))
		}
		return true
	})
	return n
}

// foldNumbers adds to n the values of the operation v on the numbers its
// operands can take, or says it is computed when they are not a few
// constants.
func (f *valueFlow) foldNumbers(v *ssa.BinOp, n *numbers, folding map[*ssa.BinOp]bool) {
	computed := fmt.Sprintf("is computed (%s) at %s", v, f.pos(v.Pos()))
	if folding[v] {
		n.unknown = append(n.unknown, computed)
		return
	}
	folding[v] = true
	defer delete(folding, v)
	x, y := f.numbersIn(v.X, folding), f.numbersIn(v.Y, folding)
	if len(x.params)+len(y.params)+len(x.unknown)+len(y.unknown) > 0 || len(x.consts)*len(y.consts) > 64 {
		n.unknown = append(n.unknown, computed)
		return
	}
	for cx := range x.consts {
		for cy := range y.consts {
			z, ok := binop(v.Op, cx, cy)
			if !ok {
				n.unknown = append(n.unknown, computed)
				return
			}
			n.consts[z] = true
		}
	}
}

// binop evaluates an integer operation the way a syscall number may be
// computed (a base plus an offset).
func binop(op token.Token, x, y uint64) (uint64, bool) {
	switch op {
	case token.ADD:
		return x + y, true
	case token.SUB:
		return x - y, true
	case token.OR:
		return x | y, true
	case token.AND:
		return x & y, true
	case token.XOR:
		return x ^ y, true
	case token.MUL:
		return x * y, true
	case token.SHL:
		return x << y, true
	case token.SHR:
		return x >> y, true
	}
	return 0, false
}

// callName names the callee of a call for messages.
func callName(cc *ssa.CallCommon) string {
	if fn := cc.StaticCallee(); fn != nil {
		return fn.RelString(nil)
	}
	if cc.IsInvoke() {
		return cc.Method.FullName()
	}
	return "a function value"
}

// fieldName returns "T.f" for a field address.
func fieldName(fa *ssa.FieldAddr) string {
	st, ok := fa.X.Type().Underlying().(*types.Pointer)
	if !ok {
		return "?"
	}
	if s, ok := st.Elem().Underlying().(*types.Struct); ok && fa.Field < s.NumFields() {
		return types.TypeString(st.Elem(), nil) + "." + s.Field(fa.Field).Name()
	}
	return "?"
}

// asmSites finds the syscalls that reachable assembly functions other than
// the trap primitives make themselves, from the $SYS_* constants they load.
func (p *program) asmSites(r *reach, res *siteResult) {
	for _, fn := range p.sortedFuncs(r.funcs) {
		if isTrapPrimitive(fn) {
			continue
		}
		af := p.asmOf(fn)
		if af == nil || af.traps == 0 {
			continue
		}
		resolved := false
		for _, name := range af.sysNames {
			if nr, ok := p.table.Number(name); ok {
				res.needs = append(res.needs, siteNeed{uint64(nr), fn, fn.Pos(), nil})
				resolved = true
			}
		}
		if !resolved {
			res.unresolved = append(res.unresolved, unresolvedSite{fn, fn.Pos(),
				fmt.Sprintf("assembly function %s (%s:%d) makes a syscall whose number the analysis cannot read", fn.RelString(nil), shortFile(af.file), af.line)})
		}
	}
}

// checkPrimitives makes sure the trap primitives the analysis relies on
// exist in this toolchain: a renamed entry point would make every syscall
// behind it invisible.
func (p *program) checkPrimitives() error {
	for sym := range trapPrimitives {
		dot := strings.LastIndex(sym, ".")
		pkg, name := sym[:dot], sym[dot+1:]
		p := p.prog.ImportedPackage(pkg)
		if p == nil {
			continue // the program does not use that package
		}
		fn := p.Func(name)
		if fn == nil || !isTrapPrimitive(fn) {
			if pkg == "golang.org/x/sys/unix" && fn == nil {
				continue // an old x/sys without this entry point
			}
			return fmt.Errorf("analyzer: %s.%s is not a bodyless function in this toolchain's sources; "+
				"its syscall entry points changed, and the analysis would miss the syscalls behind them: update trapPrimitives", pkg, name)
		}
	}
	return nil
}
