package analyzer

import (
	"go/types"
	"slices"

	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/types/typeutil"
)

// The dynamic types an interface method call's receiver can hold.
//
// VTA already resolves interface calls by the types that flow to their
// receivers, but it can only see the flows the code spells out: a
// net.Listener that net.Listen("tcp", addr) returns flows, through
// ListenConfig.Listen's address switch, from both listenTCP and
// listenUnix, so every Close of the program's listeners reaches
// UnixListener.Close and its unlink. The walks after Lock (csWalker) ask
// typeFlow instead: it follows the receiver back through the same sources
// as hiddenFlow (phis, parameters to their reached callers' arguments,
// results to the reached callees' returns, fields, elements, cells) and
// stops at a MakeInterface (its type), or at a call a model of the
// standard library answers (see networkResult: the network string decides
// the type). A source it cannot name (a value reflection makes, memory
// written through an alias it does not index) makes the answer "any
// type", and the call keeps every callee the graph has.
//
// Answers are memoised per value (sccMemo), as hiddenFlow's are, so each
// value is decided once even through cycles.

// maxReceiverTypes bounds the types a receiver's answer lists; past it the
// answer is "any type", which filters nothing.
const maxReceiverTypes = 256

// typeSet is the dynamic types a value can hold: ids into typeFlow.types,
// sorted, or top (any type).
type typeSet struct {
	top bool
	ids []int32
}

// union returns the types of s and o.
func (s typeSet) union(o typeSet) typeSet {
	if s.top || o.top {
		return typeSet{top: true}
	}
	if len(o.ids) == 0 {
		return s
	}
	if len(s.ids) == 0 {
		return o
	}
	ids := make([]int32, 0, len(s.ids)+len(o.ids))
	ids = append(append(ids, s.ids...), o.ids...)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > maxReceiverTypes {
		return typeSet{top: true}
	}
	return typeSet{ids: ids}
}

// typeFlow answers which dynamic types values of one reach can hold.
type typeFlow struct {
	h     *hiddenFlow
	ids   typeutil.Map // types.Type → int32
	types []types.Type

	memo *sccMemo[typeSet]

	// sites caches the answer for each interface call's receiver.
	sites map[ssa.CallInstruction]typeSet
}

// receiverTypes returns the typeFlow of reach r, made on first use.
func (p *program) receiverTypes(r *reach) *typeFlow {
	if r.receivers == nil {
		t := &typeFlow{h: p.newHiddenFlow(r), sites: map[ssa.CallInstruction]typeSet{}}
		t.memo = newSCCMemo(t.own, typeSet.union)
		r.receivers = t
	}
	return r.receivers
}

// single returns the set of the one type t.
func (t *typeFlow) single(typ types.Type) typeSet {
	id, ok := t.ids.At(typ).(int32)
	if !ok {
		id = int32(len(t.types))
		t.ids.Set(typ, id)
		t.types = append(t.types, typ)
	}
	return typeSet{ids: []int32{id}}
}

// of returns the dynamic types v can hold.
func (t *typeFlow) of(v ssa.Value) typeSet {
	return t.memo.decide(v)
}

// own computes v's types from its sources' (see sccMemo).
func (t *typeFlow) own(v ssa.Value, get func(ssa.Value) typeSet) typeSet {
	if mi, ok := v.(*ssa.MakeInterface); ok {
		return t.single(mi.X.Type())
	}
	if model, ok := t.modelled(v); ok {
		return model
	}
	var acc typeSet
	if t.h.sources(v, func(u ssa.Value) bool {
		s := get(u)
		acc = acc.union(s)
		return s.top
	}) {
		return typeSet{top: true}
	}
	return acc
}

// modelled answers v from a model of the standard library: the first
// result of a call networkResult knows.
func (t *typeFlow) modelled(v ssa.Value) (typeSet, bool) {
	ex, ok := v.(*ssa.Extract)
	if !ok || ex.Index != 0 {
		return typeSet{}, false
	}
	call, ok := ex.Tuple.(*ssa.Call)
	if !ok {
		return typeSet{}, false
	}
	ts, ok := t.h.p.networkResult(call)
	if !ok {
		return typeSet{}, false
	}
	var s typeSet
	for _, typ := range ts {
		s = s.union(t.single(typ))
	}
	return s, true
}

// admits reports whether the interface method call site can dispatch to
// callee: whether callee is the method of a type its receiver can hold.
func (t *typeFlow) admits(site ssa.CallInstruction, callee *ssa.Function) bool {
	s, ok := t.sites[site]
	if !ok {
		s = t.of(site.Common().Value)
		t.sites[site] = s
	}
	if s.top {
		return true
	}
	recv := callee.Signature.Recv()
	if recv == nil {
		return true
	}
	rt := derefType(recv.Type())
	for _, id := range s.ids {
		// The method of T is (T).M or, for a *T, a wrapper (*T).M or
		// (T).M itself: compare the named types under the pointer.
		if types.Identical(rt, derefType(t.types[id])) {
			return true
		}
	}
	return false
}

// derefType returns the element type of a pointer, or t.
func derefType(t types.Type) types.Type {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}

// cannotAssert reports whether the type assertion ta fails for every
// value its operand can hold: no type the operand can hold is the
// asserted type or, for an interface, implements it. net/http's
// conn.serve tests c.rwc.(*tls.Conn) on every connection; a server whose
// listeners return no *tls.Conn never runs the TLS handshake.
func (t *typeFlow) cannotAssert(ta *ssa.TypeAssert) bool {
	s := t.of(ta.X)
	if s.top {
		return false
	}
	iface, isIface := ta.AssertedType.Underlying().(*types.Interface)
	for _, id := range s.ids {
		typ := t.types[id]
		if isIface && types.Implements(typ, iface) || !isIface && types.Identical(typ, ta.AssertedType) {
			return false
		}
	}
	return true
}

// refinedEdges returns which call edges of r can be taken, by what r
// itself shows: a call in a block that cannot run in any context
// (csWalker.liveBlocks without a calling context) cannot, and an
// interface call reaches only the methods of the types its receiver can
// hold (typeFlow.admits).
func (p *program) refinedEdges(r *reach, mainFn *ssa.Function) func(ssa.CallInstruction, *ssa.Function) bool {
	tf := p.receiverTypes(r)
	cw := newCSWalker(p, r, mainFn)
	return func(site ssa.CallInstruction, callee *ssa.Function) bool {
		if live := cw.liveBlocks(ctxFunc{site.Parent(), callContext{}}); live != nil && !live[site.Block()] {
			return false
		}
		return !site.Common().IsInvoke() || tf.admits(site, callee)
	}
}

// dropsEdges reports whether admit refuses some call edge of r.
func (p *program) dropsEdges(r *reach, admit func(ssa.CallInstruction, *ssa.Function) bool) bool {
	for _, fn := range p.sortedFuncs(r.funcs) {
		for _, e := range r.succ[fn] {
			if e.site != nil && !admit(e.site, e.callee) {
				return true
			}
		}
	}
	return false
}
