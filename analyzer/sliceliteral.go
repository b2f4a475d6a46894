package analyzer

import (
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"
)

// Which values an element of a slice literal can hold.
//
// A variadic call (fmt.Sscanf(s, f, &a, &b)) builds its ...any argument as
// a fresh array, stores each argument into it, and hands on a slice of it.
// A load of an element of that slice in a callee (fmt's scanOne(verb,
// a[i])) is, by element type alone, a load of every []any element the
// program stores anywhere, and of whatever reflection writes into one. Yet
// an array that is only ever indexed for loads, resliced, or passed to
// functions that in turn only read it holds exactly the values stored into
// it where it was made. literalElems answers that question object by
// object: it follows the slice back to the arrays it can be a slice of and
// checks, for each, that no code can write it other than by those stores.
// Where it cannot show that (the slice comes from anywhere but such an
// array, or a copy of it is stored, converted to an interface, appended
// to, captured, returned, or passed to code without a body), the load
// keeps its type-wide answer.

// literalLimit bounds the values one literalElems question visits, back to
// the arrays and forward through their uses.
const literalLimit = 2000

// literalElems returns the values stored into the arrays slice can be a
// slice of, when every such array is a local one (an Alloc) that only
// those stores write.
func (h *hiddenFlow) literalElems(slice ssa.Value) ([]ssa.Value, bool) {
	var arrays []*ssa.Alloc
	seen := map[ssa.Value]bool{}
	var back func(v ssa.Value) bool
	back = func(v ssa.Value) bool {
		if seen[v] {
			return true
		}
		seen[v] = true
		if len(seen) > literalLimit {
			return false
		}
		switch v := v.(type) {
		case *ssa.Const:
			return true // a nil slice has no elements to load
		case *ssa.Phi:
			for _, e := range v.Edges {
				if !back(e) {
					return false
				}
			}
			return true
		case *ssa.ChangeType:
			return back(v.X)
		case *ssa.Slice:
			if a, ok := v.X.(*ssa.Alloc); ok {
				arrays = append(arrays, a)
				return true
			}
			if isSlice(v.X) {
				return back(v.X)
			}
			return false
		case *ssa.Parameter:
			return h.everyCallerArg(v, back)
		}
		return false
	}
	if !back(slice) {
		return nil, false
	}
	var vals []ssa.Value
	for _, a := range arrays {
		stored, ok := h.arrayStores(a)
		if !ok {
			return nil, false
		}
		vals = append(vals, stored...)
	}
	return vals, true
}

// arrayStores returns the values stored into the elements of the local
// array a, when nothing else can write it: its address is only indexed
// (for loads and stores) and sliced, and every slice of it only read (see
// readOnly).
func (h *hiddenFlow) arrayStores(a *ssa.Alloc) ([]ssa.Value, bool) {
	if r, ok := h.literals[a]; ok {
		return r.vals, r.ok
	}
	var vals []ssa.Value
	ok := true
uses:
	for _, use := range *a.Referrers() {
		switch use := use.(type) {
		case *ssa.IndexAddr:
			for _, u := range *use.Referrers() {
				switch u := u.(type) {
				case *ssa.Store:
					if u.Addr == use && u.Val != ssa.Value(use) {
						vals = append(vals, u.Val)
						continue
					}
				case *ssa.UnOp:
					if u.Op == token.MUL {
						continue
					}
				case *ssa.DebugRef:
					continue
				}
				ok = false
				break uses
			}
		case *ssa.Slice:
			if !h.readOnly(use) {
				ok = false
				break uses
			}
		case *ssa.DebugRef:
		default:
			ok = false
			break uses
		}
	}
	if !ok {
		vals = nil
	}
	h.literals[a] = literalStores{vals, ok}
	return vals, ok
}

// literalStores is a memoised answer of arrayStores.
type literalStores struct {
	vals []ssa.Value
	ok   bool
}

// readOnly reports whether no code can write the elements of slice s
// through s or any value it flows to: s and its copies are only indexed
// for loads, resliced, measured, compared, read by copy and append, and
// passed to functions with a body that treat their parameter the same way.
func (h *hiddenFlow) readOnly(s ssa.Value) bool {
	return h.readOnlyIn(s, h.readOnlySlices, false)
}

// sealedArray reports whether the values stored into the local array a
// stay there: nothing but those stores writes it (see arrayStores), and no
// slice of it is the source of a copy or an append either, which would
// put its values into other memory. Such an array's elements are memory
// no other code (and no reflection: a slice of it is never converted to an
// interface) can reach.
func (h *hiddenFlow) sealedArray(a *ssa.Alloc) bool {
	if _, ok := h.arrayStores(a); !ok {
		return false
	}
	for _, use := range *a.Referrers() {
		if sl, ok := use.(*ssa.Slice); ok && !h.readOnlyIn(sl, h.sealedSlices, true) {
			return false
		}
	}
	return true
}

// readOnlyIn is readOnly with its answers memoised in memo; with sealed,
// a slice that is the source of a copy or an append does not count as
// read only (see sealedArray).
func (h *hiddenFlow) readOnlyIn(s ssa.Value, memo map[ssa.Value]bool, sealed bool) bool {
	if res, ok := memo[s]; ok {
		return res
	}
	seen := map[ssa.Value]bool{}
	stack := []ssa.Value{s}
	seen[s] = true
	ok := true
	push := func(v ssa.Value) {
		if !seen[v] {
			seen[v] = true
			stack = append(stack, v)
		}
	}
	// passed follows s as argument i of call; false when a callee can
	// treat it other than as code with a body the walk can read.
	passed := func(call ssa.CallInstruction, i int) bool {
		cc := call.Common()
		var callees []*ssa.Function
		if fn := cc.StaticCallee(); fn != nil {
			callees = []*ssa.Function{fn}
		} else {
			callees = h.bySite[call]
			if len(callees) == 0 {
				return false
			}
		}
		idx := i
		if cc.IsInvoke() {
			idx++ // the receiver is the callee's parameter 0
		}
		for _, fn := range callees {
			if fn.Blocks == nil || idx >= len(fn.Params) {
				return false
			}
			if res, known := memo[fn.Params[idx]]; known {
				if !res {
					return false
				}
				continue
			}
			push(fn.Params[idx])
		}
		return true
	}
	for ok && len(stack) > 0 {
		if len(seen) > literalLimit {
			ok = false
			break
		}
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		refs := v.Referrers()
		if refs == nil {
			continue
		}
		for _, use := range *refs {
			if !h.readsOnly(v, use, sealed, push, passed) {
				ok = false
				break
			}
		}
	}
	if ok {
		// Every value the walk visited reads only: so does each of them
		// from its own uses, which are among those the walk checked.
		for v := range seen {
			memo[v] = true
		}
	} else {
		memo[s] = false
	}
	return ok
}

// readsOnly reports whether use, an instruction that uses the slice v,
// cannot write v's elements (nor, when sealed, copy them elsewhere); the
// slices it makes from v (a reslice, a phi, a parameter v is passed to) are
// handed to push or passed to be checked in turn.
func (h *hiddenFlow) readsOnly(v ssa.Value, use ssa.Instruction, sealed bool, push func(ssa.Value), passed func(ssa.CallInstruction, int) bool) bool {
	switch use := use.(type) {
	case *ssa.IndexAddr:
		for _, u := range *use.Referrers() {
			switch u := u.(type) {
			case *ssa.UnOp:
				if u.Op == token.MUL {
					continue
				}
			case *ssa.DebugRef:
				continue
			}
			return false
		}
		return true
	case *ssa.Slice:
		push(use)
		return true
	case *ssa.Phi:
		push(use)
		return true
	case *ssa.ChangeType:
		push(use)
		return true
	case *ssa.BinOp: // s == nil
		return true
	case *ssa.DebugRef:
		return true
	case ssa.CallInstruction:
		cc := use.Common()
		if b, ok := cc.Value.(*ssa.Builtin); ok {
			switch b.Name() {
			case "len", "cap":
				return true
			case "copy", "append":
				// Reading v is fine; writing into it (as the
				// destination) is not, nor, when sealed, copying
				// from it.
				return !sealed && len(cc.Args) > 1 && cc.Args[0] != v
			}
			return false
		}
		if cc.Value == v {
			return false
		}
		ok := true
		for i, arg := range cc.Args {
			if arg == v && !passed(use, i) {
				ok = false
			}
		}
		return ok
	}
	return false
}

// isSlice reports whether v is of a slice type.
func isSlice(v ssa.Value) bool {
	_, ok := v.Type().Underlying().(*types.Slice)
	return ok
}
