package analyzer

import (
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"
)

// Fields nothing sets. net/http's response.finishRequest removes the
// temporary files of a multipart form (os.Remove: unlinkat) when
// req.MultipartForm != nil; only Request.ParseMultipartForm sets that
// field, and a server that never parses a form never runs that branch.
// nilField answers, for a field of a pointer, slice, map, channel or func
// type, whether every value reached code can store there is nil, so that
// a load of it folds to nil (see csWalker.foldSource):
//   - its address is only loaded from and stored to, never passed on;
//   - no pointer to a struct that holds it is converted to unsafe.Pointer
//     or handed to code without a body;
//   - reflection cannot set it (an unexported field, or a struct type
//     fieldWrites does not reach);
//   - every store to it in a reached function stores nil, a copy of the
//     same field (Request.Clone's r2.MultipartForm =
//     cloneMultipartForm(r.MultipartForm)), or the result of a call that
//     returns nil when given such values, as the callee's live blocks in
//     that context show.
// Struct copies (*r2 = *r) copy the field's value, so they need no check.

// nilFieldIndex holds, for every field of a nillable type other than an
// interface, and of an integer or boolean type, the stores to it in the program's functions and whether its
// address escapes; and the struct types memory of which unsafe code or
// code without a body can write.
type nilFieldIndex struct {
	stores     map[slotKey][]slotStore
	containers map[slotKey][]types.Type
	escapes    map[slotKey]bool
	unsafe     map[string]bool // types.TypeString of struct types
}

// nilFields indexes the program's nillable fields (computed once, or
// waited for while buildProgram builds it in the background).
func (p *program) nilFields() *nilFieldIndex {
	p.awaitIndexes()
	if p.nilFieldIdx == nil {
		p.nilFieldIdx = p.indexNilFields()
	}
	return p.nilFieldIdx
}

// indexNilFields builds nilFields' index.
func (p *program) indexNilFields() *nilFieldIndex {
	names := newTypeNamer()
	idx := &nilFieldIndex{stores: map[slotKey][]slotStore{}, containers: map[slotKey][]types.Type{},
		escapes: map[slotKey]bool{}, unsafe: map[string]bool{}}
	var markUnsafe func(t types.Type, depth int)
	markUnsafe = func(t types.Type, depth int) {
		if depth > 8 {
			return
		}
		switch u := t.Underlying().(type) {
		case *types.Struct:
			k := names.of(t)
			if idx.unsafe[k] {
				return
			}
			idx.unsafe[k] = true
			for i := range u.NumFields() {
				markUnsafe(u.Field(i).Type(), depth+1)
			}
		case *types.Array:
			markUnsafe(u.Elem(), depth+1)
		}
	}
	pointee := func(t types.Type) (types.Type, bool) {
		if ptr, ok := t.Underlying().(*types.Pointer); ok {
			return ptr.Elem(), true
		}
		return nil, false
	}
	for fn := range p.values().functions() {
		for _, b := range fn.Blocks {
			for _, in := range b.Instrs {
				switch in := in.(type) {
				case *ssa.FieldAddr:
					st := in.X.Type().Underlying().(*types.Pointer).Elem()
					fld := st.Underlying().(*types.Struct).Field(in.Field)
					if !nilable(fld.Type()) && !isIntegral(fld.Type()) {
						continue // see nilField and fieldBits
					}
					k := names.slotOfField(fld)
					idx.containers[k] = append(idx.containers[k], st)
					stored, escapes := addressUses(in)
					for _, v := range stored {
						idx.stores[k] = append(idx.stores[k], slotStore{v, fn})
					}
					if escapes {
						idx.escapes[k] = true
					}
				case *ssa.Convert:
					if b, ok := in.Type().Underlying().(*types.Basic); ok && b.Kind() == types.UnsafePointer {
						if elem, ok := pointee(in.X.Type()); ok {
							markUnsafe(elem, 0)
						}
					}
				case ssa.CallInstruction:
					for _, arg := range bodylessArgs(in) {
						if elem, ok := pointee(arg.Type()); ok {
							markUnsafe(elem, 0)
						}
					}
				}
			}
		}
	}
	return idx
}

// nilField reports whether the field fa addresses holds nil in every
// execution of the reach (see above).
func (w *csWalker) nilField(fa *ssa.FieldAddr) bool {
	st := fa.X.Type().Underlying().(*types.Pointer).Elem()
	fld := st.Underlying().(*types.Struct).Field(fa.Field)
	if !nilable(fld.Type()) {
		return false
	}
	k := slotOfField(fld)
	if w.r.nilFields == nil {
		w.r.nilFields = map[slotKey]bool{}
	}
	if res, ok := w.r.nilFields[k]; ok {
		return res
	}
	// While k is decided (a callee's branches can test it again), it
	// counts as possibly set: an answer that depends on itself is no.
	w.r.nilFields[k] = false
	res := w.computeNilField(k)
	w.r.nilFields[k] = res
	return res
}

func (w *csWalker) computeNilField(k slotKey) bool {
	idx := w.p.nilFields()
	if idx.escapes[k] {
		return false
	}
	h := w.p.receiverTypes(w.r).h
	for _, c := range idx.containers[k] {
		if idx.unsafe[types.TypeString(c, nil)] {
			return false
		}
		if k.exported && (h.written.At(c) != nil || (h.writesAll && (w.r.rtypes == nil || w.r.rtypes.set.At(c) != nil))) {
			return false
		}
	}
	for _, s := range idx.stores[k] {
		if !w.r.funcs[s.fn] {
			continue
		}
		if !w.storesNil(s.val, k) {
			return false
		}
	}
	return true
}

// storesNil reports whether v, stored to field k, is nil: a nil constant,
// a load of field k itself, a phi of such values, or the result of a call
// whose callee, given nil for the arguments that are such values, returns
// only nil (a constant or one of those parameters) from the blocks that
// can run.
func (w *csWalker) storesNil(v ssa.Value, k slotKey) bool {
	return w.nilValue(v, k, map[ssa.Value]bool{}, true)
}

func (w *csWalker) nilValue(v ssa.Value, k slotKey, seen map[ssa.Value]bool, calls bool) bool {
	if seen[v] {
		return true // a phi cycle adds no value of its own
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Const:
		return v.IsNil()
	case *ssa.UnOp:
		if fa, ok := v.X.(*ssa.FieldAddr); ok && v.Op == token.MUL {
			fld := fa.X.Type().Underlying().(*types.Pointer).Elem().Underlying().(*types.Struct).Field(fa.Field)
			return slotOfField(fld) == k
		}
	case *ssa.Phi:
		for _, e := range v.Edges {
			if !w.nilValue(e, k, seen, calls) {
				return false
			}
		}
		return true
	case *ssa.Call:
		if !calls {
			return false
		}
		return w.nilResult(v, k)
	}
	return false
}

// nilResult reports whether call returns nil, given that the arguments
// nilValue proves nil are.
func (w *csWalker) nilResult(call *ssa.Call, k slotKey) bool {
	callee := call.Call.StaticCallee()
	if callee == nil || callee.Blocks == nil || isRuntime(callee) || len(call.Call.Args) != len(callee.Params) {
		return false
	}
	consts := map[int]constant.Value{}
	for i, arg := range call.Call.Args {
		if nilable(arg.Type()) && w.nilValue(arg, k, map[ssa.Value]bool{}, false) {
			consts[i] = nilConst
		}
	}
	ctx := callContext{consts: consts, key: w.keyOf(nil, consts)}
	live := w.liveBlocks(ctxFunc{callee, ctx})
	for _, b := range callee.Blocks {
		if live != nil && !live[b] {
			continue
		}
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok {
			continue
		}
		if len(ret.Results) != 1 {
			return false
		}
		switch r := ret.Results[0].(type) {
		case *ssa.Const:
			if !r.IsNil() {
				return false
			}
		case *ssa.Parameter:
			if _, known := consts[paramIndex(r)]; !known || r.Parent() != callee {
				return false
			}
		default:
			return false
		}
	}
	return true
}
