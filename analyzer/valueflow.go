package analyzer

import (
	"fmt"
	"go/token"

	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

// The value-flow tracer. Four questions the analysis asks follow an SSA
// value back to where it comes from: which functions a callback handed to
// the runtime can be (callbacks), which functions a call through a func
// value reaches in a calling context (csWalker.funcsOf), which numbers a
// syscall number argument can take (numbers) and which constant a branch
// condition or an argument folds to (csWalker.constOf). They share one walk,
// valueFlow.trace, over the operations that pass a value on unchanged: phis,
// ChangeType and, as flowRules admit, conversions, interface boxing, a
// closure's free variables (to what its MakeClosures bind), loads from
// cells whose address does not escape (to what is stored there) and a
// function's parameters (to what its callers pass). Each question is an
// interpreter of the sources the walk stops at: it says what a constant, a
// function, a parameter, a computation means to it.

// flowRules say which operations a trace looks through besides phis and
// ChangeType, which every trace does.
type flowRules struct {
	// interfaces: MakeInterface and ChangeInterface. Not for constant
	// folding: any(int32(1)) and any(int64(1)) differ.
	interfaces bool
	// conversions: Convert. Not for constant folding, which checks that a
	// conversion keeps the value.
	conversions bool
	// freeVars: a closure's free variable to the values the MakeClosure
	// instructions of its function bind to it.
	freeVars bool
	// cells: a load (*p) from a package variable, a local cell or a
	// captured cell to the values stored there, when the cell's address is
	// not used otherwise (see cellEscapes).
	cells bool
	// callers, when set, lists the calls of a function: a parameter is
	// traced to the arguments they pass.
	callers func(*ssa.Function) []ssa.CallInstruction
	// phiEdge, when set, says which edges of a phi to follow (those from
	// blocks that can run, for constant folding).
	phiEdge func(phi *ssa.Phi, edge int) bool
}

// sourceKind says why a trace stopped at a value.
type sourceKind uint8

const (
	// sourceValue is an operation the rules do not look through: a
	// constant, a function, a closure, a parameter (without callers), a
	// computation, a call's result, a load the rules do not follow.
	sourceValue sourceKind = iota
	// sourceUnbound is a free variable that no MakeClosure binds (its
	// closure is not made in the program's code).
	sourceUnbound
	// sourceUncalled is a parameter of a function that has no calls.
	sourceUncalled
	// sourceEscaping is a load from a cell whose address is used other
	// than by loads, stores and captures; why says how.
	sourceEscaping
	// sourceZero is a load from a package variable that nothing stores
	// to: it holds its zero value.
	sourceZero
)

// source is a value a trace stopped at.
type source struct {
	v    ssa.Value
	kind sourceKind
	why  string // for sourceEscaping
}

// valueFlow traces values of one SSA program. The index of the stores to
// package variables, built on first use, covers every function of the
// program: a store in a function that is not reachable only adds a value
// that cannot occur, which costs precision, never soundness.
type valueFlow struct {
	prog    *ssa.Program
	globals *globalInfo
	all     map[*ssa.Function]bool
}

// functions returns every function of the program (ssautil.AllFunctions,
// computed once: the call graph's indexes of stores and takers each scan
// all of them).
func (f *valueFlow) functions() map[*ssa.Function]bool {
	if f.all == nil {
		f.all = ssautil.AllFunctions(f.prog)
	}
	return f.all
}

// newValueFlow returns a tracer of prog's values.
func newValueFlow(prog *ssa.Program) *valueFlow {
	return &valueFlow{prog: prog}
}

// trace walks from v back through the operations rules admit and calls
// visit with each source it reaches, each once, depth first in operand
// order; it stops when visit returns false.
func (f *valueFlow) trace(v ssa.Value, rules flowRules, visit func(source) bool) {
	seen := map[ssa.Value]bool{}
	stopped := false
	emit := func(s source) {
		if !visit(s) {
			stopped = true
		}
	}
	var walk func(v ssa.Value)
	walk = func(v ssa.Value) {
		if stopped || seen[v] {
			return
		}
		seen[v] = true
		switch v := v.(type) {
		case *ssa.Phi:
			for i, e := range v.Edges {
				if rules.phiEdge == nil || rules.phiEdge(v, i) {
					walk(e)
				}
			}
			return
		case *ssa.ChangeType:
			walk(v.X)
			return
		case *ssa.Convert:
			if rules.conversions {
				walk(v.X)
				return
			}
		case *ssa.MakeInterface:
			if rules.interfaces {
				walk(v.X)
				return
			}
		case *ssa.ChangeInterface:
			if rules.interfaces {
				walk(v.X)
				return
			}
		case *ssa.FreeVar:
			if rules.freeVars {
				bs := f.bindings(v)
				if len(bs) == 0 {
					emit(source{v: v, kind: sourceUnbound})
				}
				for _, b := range bs {
					walk(b)
				}
				return
			}
		case *ssa.Parameter:
			if rules.callers != nil {
				calls := rules.callers(v.Parent())
				if len(calls) == 0 {
					emit(source{v: v, kind: sourceUncalled})
				}
				idx := paramIndex(v)
				for _, c := range calls {
					if arg := argAt(c.Common(), idx); arg != nil {
						walk(arg)
					}
				}
				return
			}
		case *ssa.UnOp:
			if rules.cells && v.Op == token.MUL && isCell(v.X) {
				if why := f.cellEscapes(v.X); why != "" {
					emit(source{v: v, kind: sourceEscaping, why: why})
					return
				}
				stores := f.storesTo(v.X)
				if _, global := v.X.(*ssa.Global); global && len(stores) == 0 {
					emit(source{v: v, kind: sourceZero})
				}
				for _, s := range stores {
					walk(s)
				}
				return
			}
		}
		emit(source{v: v, kind: sourceValue})
	}
	walk(v)
}

// isCell reports whether v is the address of a package variable, a local
// cell or a captured cell: the memory whose stores storesTo finds.
func isCell(v ssa.Value) bool {
	switch v.(type) {
	case *ssa.Global, *ssa.Alloc, *ssa.FreeVar:
		return true
	}
	return false
}

// funcOf returns the function a function or closure value is.
func funcOf(v ssa.Value) (*ssa.Function, bool) {
	switch v := v.(type) {
	case *ssa.Function:
		return v, true
	case *ssa.MakeClosure:
		return v.Fn.(*ssa.Function), true
	}
	return nil, false
}

// paramIndex returns the position of p in its function's Params.
func paramIndex(p *ssa.Parameter) int {
	for i, q := range p.Parent().Params {
		if q == p {
			return i
		}
	}
	return -1
}

// argAt returns the value a call passes for the callee's parameter idx
// (counting the receiver of an interface method call as parameter 0).
func argAt(cc *ssa.CallCommon, idx int) ssa.Value {
	if cc.IsInvoke() {
		if idx == 0 {
			return cc.Value
		}
		idx--
	}
	if idx < 0 || idx >= len(cc.Args) {
		return nil
	}
	return cc.Args[idx]
}

// bindings returns the values bound to free variable fv by the MakeClosure
// instructions that create its function (in the function's parent).
func (f *valueFlow) bindings(fv *ssa.FreeVar) []ssa.Value {
	fn := fv.Parent()
	idx := -1
	for i, x := range fn.FreeVars {
		if x == fv {
			idx = i
		}
	}
	var out []ssa.Value
	if fn.Parent() == nil || idx < 0 {
		return nil
	}
	for _, b := range fn.Parent().Blocks {
		for _, in := range b.Instrs {
			if mc, ok := in.(*ssa.MakeClosure); ok && mc.Fn == fn {
				out = append(out, mc.Bindings[idx])
			}
		}
	}
	return out
}

// storesTo returns the values stored to the memory cell addr: a global
// (every store in the program), a local cell (stores in its function and in
// the closures that capture it), or a captured free variable (the cell it
// is bound to). Callers check cellEscapes first: a cell whose address is
// used any other way can be written through that alias.
func (f *valueFlow) storesTo(addr ssa.Value) []ssa.Value {
	switch addr := addr.(type) {
	case *ssa.Global:
		return f.globalIndex().stores[addr]
	case *ssa.Alloc:
		var out []ssa.Value
		cellStores(addr, &out, map[ssa.Value]bool{})
		return out
	case *ssa.FreeVar:
		var out []ssa.Value
		for _, b := range f.bindings(addr) {
			out = append(out, f.storesTo(b)...)
		}
		return out
	}
	return nil
}

// cellStores collects the stores to a local cell and, through the closures
// that capture it, to their free variables.
func cellStores(cell ssa.Value, out *[]ssa.Value, seen map[ssa.Value]bool) {
	if seen[cell] {
		return
	}
	seen[cell] = true
	refs := cell.Referrers()
	if refs == nil {
		return
	}
	for _, in := range *refs {
		switch in := in.(type) {
		case *ssa.Store:
			if in.Addr == cell {
				*out = append(*out, in.Val)
			}
		case *ssa.MakeClosure:
			fn := in.Fn.(*ssa.Function)
			for i, b := range in.Bindings {
				if b == cell && i < len(fn.FreeVars) {
					cellStores(fn.FreeVars[i], out, seen)
				}
			}
		}
	}
}

// cellEscapes reports how a local cell or global is used other than by
// loads, stores to it and closure captures, or "" when it is not.
func (f *valueFlow) cellEscapes(cell ssa.Value) string {
	switch cell := cell.(type) {
	case *ssa.Global:
		return f.globalIndex().escapes[cell]
	case *ssa.FreeVar:
		for _, b := range f.bindings(cell) {
			if why := f.cellEscapes(b); why != "" {
				return why
			}
		}
		return ""
	}
	return f.localEscapes(cell, map[ssa.Value]bool{})
}

func (f *valueFlow) localEscapes(cell ssa.Value, seen map[ssa.Value]bool) string {
	if seen[cell] {
		return ""
	}
	seen[cell] = true
	refs := cell.Referrers()
	if refs == nil {
		return ""
	}
	for _, in := range *refs {
		switch in := in.(type) {
		case *ssa.Store:
			if in.Val == cell {
				return "its address is stored at " + f.pos(in.Pos())
			}
		case *ssa.UnOp:
			if in.Op != token.MUL {
				return "it is used by " + in.String()
			}
		case *ssa.MakeClosure:
			fn := in.Fn.(*ssa.Function)
			for i, b := range in.Bindings {
				if b == cell && i < len(fn.FreeVars) {
					if why := f.localEscapes(fn.FreeVars[i], seen); why != "" {
						return why
					}
				}
			}
		case *ssa.DebugRef:
		default:
			return fmt.Sprintf("its address is used by %s at %s", in, f.pos(in.Pos()))
		}
	}
	return ""
}

// globalInfo indexes, for every function of the program, the values
// stored to each global and the uses of a global's address other than
// loads and stores.
type globalInfo struct {
	stores  map[*ssa.Global][]ssa.Value
	escapes map[*ssa.Global]string
}

// globalIndex scans every function of the program once.
func (f *valueFlow) globalIndex() *globalInfo {
	if f.globals != nil {
		return f.globals
	}
	gi := &globalInfo{stores: map[*ssa.Global][]ssa.Value{}, escapes: map[*ssa.Global]string{}}
	var ops []*ssa.Value // reused: Operands appends to it
	for fn := range f.functions() {
		for _, b := range fn.Blocks {
			for _, in := range b.Instrs {
				if st, ok := in.(*ssa.Store); ok {
					if g, ok := st.Addr.(*ssa.Global); ok {
						gi.stores[g] = append(gi.stores[g], st.Val)
					}
					if g, ok := st.Val.(*ssa.Global); ok && gi.escapes[g] == "" {
						gi.escapes[g] = "its address is stored at " + f.pos(st.Pos())
					}
					continue
				}
				if u, ok := in.(*ssa.UnOp); ok && u.Op == token.MUL {
					continue
				}
				ops = in.Operands(ops[:0])
				for _, op := range ops {
					if g, ok := (*op).(*ssa.Global); ok && gi.escapes[g] == "" {
						gi.escapes[g] = fmt.Sprintf("its address is used by %s at %s", in, f.pos(in.Pos()))
					}
				}
			}
		}
	}
	f.globals = gi
	return gi
}

// pos formats a position of the program as analysis.pos does.
func (f *valueFlow) pos(p token.Pos) string {
	return formatPos(f.prog.Fset, p)
}

// describe says where a value the analysis cannot resolve comes from.
func (f *valueFlow) describe(v ssa.Value) string {
	at := func(p token.Pos) string {
		if p.IsValid() {
			return " at " + f.pos(p)
		}
		return ""
	}
	switch v := v.(type) {
	case *ssa.Extract:
		if c, ok := v.Tuple.(*ssa.Call); ok {
			return fmt.Sprintf("is a result of calling %s%s", callName(c.Common()), at(c.Pos()))
		}
	case *ssa.Call:
		return fmt.Sprintf("is the result of calling %s%s", callName(v.Common()), at(v.Pos()))
	case *ssa.UnOp:
		if v.Op == token.MUL {
			if fa, ok := v.X.(*ssa.FieldAddr); ok {
				return fmt.Sprintf("is read from a struct field (%s)%s", fieldName(fa), at(v.Pos()))
			}
			return fmt.Sprintf("is read through a pointer (%s)%s", v, at(v.Pos()))
		}
	case *ssa.Field:
		return fmt.Sprintf("is a struct field%s", at(v.Pos()))
	case *ssa.Index, *ssa.Lookup:
		return fmt.Sprintf("is an element of a collection%s", at(v.Pos()))
	}
	p := token.NoPos
	if in, ok := v.(ssa.Instruction); ok {
		p = in.Pos()
	}
	return fmt.Sprintf("comes from %s%s", v.String(), at(p))
}
