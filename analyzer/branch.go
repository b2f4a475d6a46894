package analyzer

import (
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"
)

// Branches that cannot be taken. The standard library guards platform
// code with constants (os.openFileNolog sets the sticky bit with chmod only
// where !supportsCreateWithStickyBit, which is false on Linux) and the SSA
// builder keeps both arms of such an if. The walks of pruning (csWalker)
// follow only the calls in blocks that can run: a block is live when the
// entry (or the recover block) is, or when a live block can jump to it; an
// if whose condition folds to a constant jumps one way only. Conditions
// fold from constants, from parameters the calling context knows (see
// callContext.consts), and from phis whose incoming values from live
// predecessors agree. This is sparse conditional constant propagation
// restricted to what decides branches.

// liveBlocks returns the blocks of st.fn that can run in context st.ctx,
// or nil when every block can.
func (w *csWalker) liveBlocks(st ctxFunc) map[*ssa.BasicBlock]bool {
	fn := st.fn
	if len(fn.Blocks) == 0 {
		return nil
	}
	cacheable := len(st.ctx.consts) == 0
	if cacheable {
		if live, ok := w.p.liveCache[fn]; ok {
			w.reachDep = w.reachDep || w.p.liveDep[fn]
			return live
		}
	}
	outer := w.reachDep
	w.reachDep = false
	live := map[*ssa.BasicBlock]bool{fn.Blocks[0]: true}
	if fn.Recover != nil {
		live[fn.Recover] = true
	}
	// Blocks only become live, so re-evaluating the branches of live
	// blocks until nothing changes reaches the fixed point. A branch
	// whose two targets are live already is not folded again: more live
	// blocks only give its condition's phis more values, so it could
	// only fold to what makes no block live.
	for changed := true; changed; {
		changed = false
		for _, b := range fn.Blocks {
			if !live[b] || len(b.Instrs) == 0 {
				continue
			}
			succs := b.Succs
			if cond, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If); ok && len(succs) == 2 && !(live[succs[0]] && live[succs[1]]) {
				if c, ok := w.constOf(cond.Cond, st, live, map[ssa.Value]bool{}); ok && c.Kind() == constant.Bool {
					if constant.BoolVal(c) {
						succs = succs[:1]
					} else {
						succs = succs[1:]
					}
				}
			}
			for _, s := range succs {
				if !live[s] {
					live[s] = true
					changed = true
				}
			}
		}
	}
	if len(live) == len(fn.Blocks) {
		live = nil
	}
	if cacheable {
		if w.p.liveCache == nil {
			w.p.liveCache = map[*ssa.Function]map[*ssa.BasicBlock]bool{}
			w.p.liveDep = map[*ssa.Function]bool{}
		}
		w.p.liveCache[fn] = live
		if w.reachDep {
			w.p.liveDep[fn] = true
		}
	}
	w.reachDep = w.reachDep || outer
	return live
}

// forgetReachLiveness drops the remembered liveness that used facts of a
// reach (see csWalker.reachDep), for a narrower reach to decide again.
func (p *program) forgetReachLiveness() {
	for fn := range p.liveDep {
		delete(p.liveCache, fn)
	}
	clear(p.liveDep)
}

// liveBlocksOf is liveBlocks, remembered per state of the walk.
func (w *csWalker) liveBlocksOf(st ctxFunc) map[*ssa.BasicBlock]bool {
	k := ctxFuncKey{st.fn, st.ctx.key}
	if live, ok := w.liveCtx[k]; ok {
		return live
	}
	live := w.liveBlocks(st)
	if w.liveCtx == nil {
		w.liveCtx = map[ctxFuncKey]map[*ssa.BasicBlock]bool{}
	}
	w.liveCtx[k] = live
	return live
}

// constOf folds v in st to a constant, if it can. The value tracer follows
// phis over the edges from live predecessors (and ChangeType); every source
// it reaches must fold to the same constant. A source folds when it is a
// constant, a parameter the context knows, a negation, a comparison or a
// bitwise operation on non-negative integers, a conversion that keeps
// the value, the ok of a type assertion no type of its operand passes
// (see typeFlow.cannotAssert), a mask of bits a field never holds, or a
// call whose callee returns one constant (see callfold.go). visiting holds the operations being folded, so that a value
// computed from itself does not fold.
func (w *csWalker) constOf(v ssa.Value, st ctxFunc, live map[*ssa.BasicBlock]bool, visiting map[ssa.Value]bool) (constant.Value, bool) {
	if live == nil {
		// A call's arguments (calleeCtx): the phis of st.fn have edges
		// only from the blocks that can run in st.
		live = w.liveBlocksOf(st)
	}
	var rules flowRules
	if live != nil {
		rules.phiEdge = func(phi *ssa.Phi, i int) bool { return live[phi.Block().Preds[i]] }
	}
	var out constant.Value
	ok := true
	w.p.values().trace(v, rules, func(s source) bool {
		c, folds := w.foldSource(s.v, st, live, visiting)
		switch {
		case !folds:
			ok = false
		case out == nil:
			out = c
		case out.Kind() != c.Kind() || !constant.Compare(out, token.EQL, c):
			ok = false
		}
		return ok
	})
	return out, ok && out != nil
}

// foldSource folds one source of constOf's trace.
func (w *csWalker) foldSource(v ssa.Value, st ctxFunc, live map[*ssa.BasicBlock]bool, visiting map[ssa.Value]bool) (constant.Value, bool) {
	if visiting[v] {
		return nil, false
	}
	visiting[v] = true
	defer delete(visiting, v)
	switch v := v.(type) {
	case *ssa.Const:
		if v.Value == nil {
			if v.IsNil() && nilable(v.Type()) {
				return nilConst, true
			}
			return nil, false
		}
		return v.Value, true
	case *ssa.Call:
		// len of a nil slice or of a constant string.
		b, ok := v.Call.Value.(*ssa.Builtin)
		if !ok {
			w.reachDep = true
			return w.foldCall(v, st, live, visiting)
		}
		if b.Name() != "len" || len(v.Call.Args) != 1 {
			return nil, false
		}
		arg := v.Call.Args[0]
		c, ok := w.constOf(arg, st, live, visiting)
		switch {
		case !ok:
			return nil, false
		case nilable(arg.Type()):
			return constant.MakeInt64(0), true // a nil slice, map or channel
		case c.Kind() == constant.String:
			return constant.MakeInt64(int64(len(constant.StringVal(c)))), true
		}
		return nil, false
	case *ssa.Parameter:
		if v.Parent() != st.fn {
			return nil, false
		}
		c, ok := st.ctx.consts[paramIndex(v)]
		return c, ok
	case *ssa.Extract:
		// The ok of x.(T) (a case of a type switch) is false when no
		// type x can hold is T or implements it.
		if ta, isAssert := v.Tuple.(*ssa.TypeAssert); isAssert && v.Index == 1 {
			w.reachDep = true
			if w.p.receiverTypes(w.r).cannotAssert(ta) {
				return constant.MakeBool(false), true
			}
		}
		return nil, false
	case *ssa.Convert:
		c, ok := w.constOf(v.X, st, live, visiting)
		if !ok || !keepsValue(v.Type(), c) {
			return nil, false
		}
		return c, true
	case *ssa.UnOp:
		if v.Op == token.MUL {
			if c, ok := w.unsetField(v); ok {
				return c, true
			}
			if fa, ok := v.X.(*ssa.FieldAddr); ok {
				w.reachDep = true
				if w.nilField(fa) {
					return nilConst, true
				}
			}
			return nil, false
		}
		if v.Op != token.NOT {
			return nil, false
		}
		c, ok := w.constOf(v.X, st, live, visiting)
		if !ok || c.Kind() != constant.Bool {
			return nil, false
		}
		return constant.MakeBool(!constant.BoolVal(c)), true
	case *ssa.BinOp:
		if v.Op == token.AND && isIntegral(v.Type()) {
			w.reachDep = true
			if w.maskedZero(v, st, live, visiting) {
				return constant.MakeInt64(0), true
			}
		}
		x, ok := w.constOf(v.X, st, live, visiting)
		if !ok {
			return nil, false
		}
		y, ok := w.constOf(v.Y, st, live, visiting)
		if !ok || x.Kind() != y.Kind() {
			return nil, false
		}
		switch v.Op {
		case token.EQL, token.NEQ:
			return constant.MakeBool(constant.Compare(x, v.Op, y)), true
		case token.LSS, token.LEQ, token.GTR, token.GEQ:
			if x.Kind() != constant.Int {
				return nil, false
			}
			return constant.MakeBool(constant.Compare(x, v.Op, y)), true
		case token.AND, token.OR, token.XOR, token.AND_NOT:
			// On non-negative values that fit the type these are the
			// typed results too.
			if x.Kind() != constant.Int || !smallNonNegative(x) || !smallNonNegative(y) {
				return nil, false
			}
			return constant.BinaryOp(x, v.Op, y), true
		}
	}
	return nil, false
}

// contextParam reports whether a parameter of fn of type t can enter
// calling contexts with a constant value: integers and booleans, and in
// package syscall also nil pointers, so that a nil chroot passed down the
// fork path (forkExec to forkAndExecInChild1) folds its test. Elsewhere
// nil arguments are too common for the contexts they would multiply.
func contextParam(fn *ssa.Function, t types.Type) bool {
	if isIntegral(t) {
		return true
	}
	p := pkgOf(fn)
	return p != nil && p.Pkg.Path() == "syscall" && nilable(t)
}

// isIntegral reports whether t is an integer or boolean type.
func isIntegral(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&(types.IsInteger|types.IsBoolean) != 0
}

// keepsValue reports whether converting the integer c to t leaves it
// unchanged: c is small and non-negative, and t is an integer type of at
// least 32 bits (or c is below 128).
func keepsValue(t types.Type, c constant.Value) bool {
	b, ok := t.Underlying().(*types.Basic)
	if !ok || b.Info()&types.IsInteger == 0 || !smallNonNegative(c) {
		return false
	}
	switch b.Kind() {
	case types.Int8, types.Uint8, types.Int16, types.Uint16:
		n, _ := constant.Int64Val(c)
		return n < 128
	}
	return true
}

// branchParams returns the indices of fn's integer and boolean parameters
// that can decide a branch: used in an if's condition (through the
// operations constOf folds), or passed straight to a parameter of a static
// callee that can. Only these enter calling contexts, so that contexts
// multiply only where they can prune.
func (p *program) branchParams(fn *ssa.Function) map[int]bool {
	if got, ok := p.branchCache[fn]; ok {
		return got
	}
	if p.branchCache == nil {
		p.branchCache = map[*ssa.Function]map[int]bool{}
	}
	p.branchCache[fn] = nil // in progress: recursion sees no parameters
	out := map[int]bool{}
	// mark notes the parameters v is computed from, through the
	// operations constOf folds.
	marked := map[ssa.Value]bool{}
	var mark func(v ssa.Value)
	mark = func(v ssa.Value) {
		p.values().trace(v, flowRules{conversions: true}, func(s source) bool {
			if marked[s.v] {
				return true
			}
			marked[s.v] = true
			switch v := s.v.(type) {
			case *ssa.Parameter:
				if v.Parent() == fn && contextParam(fn, v.Type()) {
					out[paramIndex(v)] = true
				}
			case *ssa.UnOp:
				mark(v.X)
			case *ssa.BinOp:
				mark(v.X)
				mark(v.Y)
			}
			return true
		})
	}
	for _, b := range fn.Blocks {
		for _, in := range b.Instrs {
			switch in := in.(type) {
			case *ssa.If:
				mark(in.Cond)
			case ssa.CallInstruction:
				callee := in.Common().StaticCallee()
				if callee == nil || callee.Blocks == nil {
					continue
				}
				inner := p.branchParams(callee)
				for i, arg := range in.Common().Args {
					if param, ok := arg.(*ssa.Parameter); ok && inner[i] && param.Parent() == fn && contextParam(fn, param.Type()) {
						out[paramIndex(param)] = true
					}
				}
			}
		}
	}
	p.branchCache[fn] = out
	return out
}

// smallNonNegative reports whether c is an integer in [0, 2^31), which
// every integer type but int8, uint8, int16 and uint16 holds unchanged.
func smallNonNegative(c constant.Value) bool {
	if c.Kind() != constant.Int {
		return false
	}
	n, exact := constant.Int64Val(c)
	return exact && n >= 0 && n < 1<<31
}
