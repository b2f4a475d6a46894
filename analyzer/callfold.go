package analyzer

import (
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"
)

// Results of calls that fold. net/http's conn.serve hands a connection to
// the unencrypted HTTP/2 server only if
// c.server.protocols().UnencryptedHTTP2(), a method that returns
// p.bits&protoUnencryptedHTTP2 != 0. foldCall folds a static call's
// single result when every block of the callee that can run (given the
// arguments that fold) returns the same constant; fieldBits says which
// bits an integer field can hold, so that x.bits&mask folds to 0 when no
// reached code sets those bits (only Protocols.SetUnencryptedHTTP2 does).

// maxCallFoldDepth bounds the calls folded inside one another, and
// maxFoldedBlocks the size of a callee worth folding: the accessors and
// predicates that decide branches are small, and trying every call in
// every condition of a large program costs seconds.
const (
	maxCallFoldDepth = 3
	maxFoldedBlocks  = 4
)

// callFold is a folded call result, remembered per callee for calls
// whose arguments give no constant.
type callFold struct {
	c  constant.Value
	ok bool
}

// foldCall folds call's result in st, if it can.
func (w *csWalker) foldCall(call *ssa.Call, st ctxFunc, live map[*ssa.BasicBlock]bool, visiting map[ssa.Value]bool) (constant.Value, bool) {
	callee := call.Call.StaticCallee()
	if callee == nil || len(callee.Blocks) == 0 || len(callee.Blocks) > maxFoldedBlocks || isRuntime(callee) ||
		len(call.Call.Args) != len(callee.Params) || callee.Signature.Results().Len() != 1 {
		return nil, false
	}
	if len(w.folding) >= maxCallFoldDepth || w.folding[callee] {
		return nil, false
	}
	consts := map[int]constant.Value{}
	for i, arg := range call.Call.Args {
		if !isIntegral(arg.Type()) && !nilable(arg.Type()) {
			continue
		}
		if c, ok := w.constOf(arg, st, live, visiting); ok {
			consts[i] = c
		}
	}
	if len(consts) == 0 {
		if f, ok := w.r.callFolds[callee]; ok {
			return f.c, f.ok
		}
	}
	if w.folding == nil {
		w.folding = map[*ssa.Function]bool{}
	}
	w.folding[callee] = true
	c, ok := w.foldReturns(ctxFunc{callee, callContext{consts: consts, key: w.keyOf(nil, consts)}})
	delete(w.folding, callee)
	if len(consts) == 0 {
		if w.r.callFolds == nil {
			w.r.callFolds = map[*ssa.Function]callFold{}
		}
		w.r.callFolds[callee] = callFold{c, ok}
	}
	return c, ok
}

// foldReturns folds what st.fn returns from the blocks that can run.
func (w *csWalker) foldReturns(st ctxFunc) (constant.Value, bool) {
	live := w.liveBlocks(st)
	var out constant.Value
	for _, b := range st.fn.Blocks {
		if live != nil && !live[b] || len(b.Instrs) == 0 {
			continue
		}
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok {
			continue
		}
		if len(ret.Results) != 1 {
			return nil, false
		}
		c, ok := w.constOf(ret.Results[0], st, live, map[ssa.Value]bool{})
		switch {
		case !ok:
			return nil, false
		case out == nil:
			out = c
		case out.Kind() != c.Kind() || !constant.Compare(out, token.EQL, c):
			return nil, false
		}
	}
	return out, out != nil
}

// maskedZero reports whether x&y is 0 because one operand is a constant
// mask and the other can hold none of its bits (see fieldBits).
func (w *csWalker) maskedZero(and *ssa.BinOp, st ctxFunc, live map[*ssa.BasicBlock]bool, visiting map[ssa.Value]bool) bool {
	for _, pair := range [][2]ssa.Value{{and.X, and.Y}, {and.Y, and.X}} {
		mask, ok := w.constOf(pair[1], st, live, visiting)
		if !ok || !smallNonNegative(mask) {
			continue
		}
		m, _ := constant.Uint64Val(mask)
		if bits, ok := w.valueBits(pair[0]); ok && bits&m == 0 {
			return true
		}
	}
	return false
}

// valueBits returns the bits v can have when v is a load of an integer
// field whose bits fieldBits knows.
func (w *csWalker) valueBits(v ssa.Value) (uint64, bool) {
	var fld *types.Var
	switch v := v.(type) {
	case *ssa.Field:
		fld = v.X.Type().Underlying().(*types.Struct).Field(v.Field)
	case *ssa.UnOp:
		fa, ok := v.X.(*ssa.FieldAddr)
		if !ok || v.Op != token.MUL {
			return 0, false
		}
		fld = fa.X.Type().Underlying().(*types.Pointer).Elem().Underlying().(*types.Struct).Field(fa.Field)
	default:
		return 0, false
	}
	return w.fieldBits(fld)
}

// fieldBitsFact is fieldBits' answer for one field, remembered per reach.
type fieldBitsFact struct {
	bits uint64
	ok   bool
}

// fieldBits returns the union of the bits every value reached code can
// store to the unexported integer field fld can have: constants, the
// field itself, and |, &, &^ and conversions of those, through phis and
// parameters (their reached callers' arguments). Struct copies copy the
// field, and reflection cannot set an unexported field; a field whose
// address escapes, or whose struct unsafe code can write, has no answer.
func (w *csWalker) fieldBits(fld *types.Var) (uint64, bool) {
	if fld.Exported() || !isIntegral(fld.Type()) {
		return 0, false
	}
	k := slotOfField(fld)
	if w.r.fieldBits == nil {
		w.r.fieldBits = map[slotKey]fieldBitsFact{}
	}
	if f, ok := w.r.fieldBits[k]; ok {
		return f.bits, f.ok
	}
	w.r.fieldBits[k] = fieldBitsFact{} // in progress: no answer
	bits, ok := w.computeFieldBits(k)
	w.r.fieldBits[k] = fieldBitsFact{bits, ok}
	return bits, ok
}

func (w *csWalker) computeFieldBits(k slotKey) (uint64, bool) {
	idx := w.p.nilFields()
	if idx.escapes[k] {
		return 0, false
	}
	for _, c := range idx.containers[k] {
		if idx.unsafe[types.TypeString(c, nil)] {
			return 0, false
		}
	}
	h := w.p.receiverTypes(w.r).h
	var bits uint64
	for _, s := range idx.stores[k] {
		if !w.r.funcs[s.fn] {
			continue
		}
		b, ok := w.bitsOf(s.val, k, h, map[ssa.Value]bool{})
		if !ok {
			return 0, false
		}
		bits |= b
	}
	return bits, true
}

// bitsOf returns the bits v, stored to field k, can have.
func (w *csWalker) bitsOf(v ssa.Value, k slotKey, h *hiddenFlow, seen map[ssa.Value]bool) (uint64, bool) {
	if seen[v] {
		return 0, true // a cycle adds no bits of its own
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Const:
		if v.Value == nil || !smallNonNegative(v.Value) {
			return 0, false
		}
		b, _ := constant.Uint64Val(v.Value)
		return b, true
	case *ssa.Field:
		if slotOfField(v.X.Type().Underlying().(*types.Struct).Field(v.Field)) == k {
			return 0, true
		}
	case *ssa.UnOp:
		if fa, ok := v.X.(*ssa.FieldAddr); ok && v.Op == token.MUL &&
			slotOfField(fa.X.Type().Underlying().(*types.Pointer).Elem().Underlying().(*types.Struct).Field(fa.Field)) == k {
			return 0, true
		}
	case *ssa.Convert:
		if isIntegral(v.X.Type()) {
			return w.bitsOf(v.X, k, h, seen)
		}
	case *ssa.BinOp:
		x, xok := w.bitsOf(v.X, k, h, seen)
		switch v.Op {
		case token.OR, token.XOR:
			y, yok := w.bitsOf(v.Y, k, h, seen)
			return x | y, xok && yok
		case token.AND_NOT:
			return x, xok
		case token.AND:
			y, yok := w.bitsOf(v.Y, k, h, seen)
			switch {
			case xok && yok:
				return x & y, true
			case xok:
				return x, true
			case yok:
				return y, true
			}
		}
	case *ssa.Phi:
		var bits uint64
		for _, e := range v.Edges {
			b, ok := w.bitsOf(e, k, h, seen)
			if !ok {
				return 0, false
			}
			bits |= b
		}
		return bits, true
	case *ssa.Parameter:
		var bits uint64
		ok := h.everyCallerArg(v, func(arg ssa.Value) bool {
			b, ok := w.bitsOf(arg, k, h, seen)
			bits |= b
			return ok
		})
		return bits, ok
	}
	return 0, false
}
