package analyzer

import (
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/types/typeutil"
)

// Which interface method calls can receive a value made by reflection.
//
// VTA resolves an interface method call from the dynamic types that flow
// to its receiver through the program's code. A value reflection makes
// (reflect.Value.Interface, sync/atomic.Value.Load, anything built through
// unsafe) carries a type VTA never sees flow, so extraInvokes adds, at
// such a call, the method of every type reflection can reach. Adding them
// at every interface call made a logger's Write reach every Write method
// of the program (log.Logger.out → net/http's chunkWriter → io.Copy's
// zero-copy paths).
//
// A receiver needs them only when a value VTA cannot see can flow to it.
// hiddenFlow follows the receiver back through the operations that pass
// an interface value on unchanged, and answers yes at the first source it
// cannot account for:
//   - a MakeInterface, a nil: a type VTA saw (no);
//   - a phi, a ChangeInterface, a type assertion to an interface, a free
//     variable (to what its closures bind): their operands;
//   - a parameter: the arguments of its calls in the reach; yes when the
//     function is entered other than by a call the reach records (a root
//     such as a runtime callback or a function reflect.Value.Call can
//     call, a linkname or assembly edge);
//   - a call's result: what the reached callees return at that position;
//     yes for a callee without a body;
//   - a load of a struct field: the values reached code stores to that
//     field. Reflection can set only exported fields (reflect.Value.Set
//     panics on a field reached through an unexported one), so an
//     exported field is a yes once reflection can make values at all; an
//     unexported one holds only what the program stored there;
//   - a load of a package variable or a local cell whose address does not
//     escape: the values stored to it;
//   - a load of an element of a slice that can only be a slice of local
//     arrays nothing writes after the stores that fill them (a variadic
//     ...any its callees only read): those stored values (literalElems);
//   - anything else (an element of a slice, map or channel, a load through
//     a pointer of unknown origin, a receive): yes.
//
// Fields are keyed by their package, name and type rather than by the
// field object, so that a conversion between struct types with identical
// fields (which copies the values) joins their stores.

// hiddenFlow answers, for one state of a reach, whether values made by
// reflection can flow to an SSA value, each value once (sccMemo) even
// through cycles of parameters and fields.
type hiddenFlow struct {
	p *program
	r *reach
	// bySite maps a call instruction to the reached functions it calls.
	bySite map[ssa.CallInstruction][]*ssa.Function
	// entered are functions entered other than by a call instruction the
	// reach records: roots other than main and init, and targets of
	// linkname and assembly edges.
	entered map[*ssa.Function]bool
	// intoRuntime are the call sites with an edge into package runtime.
	intoRuntime map[ssa.CallInstruction]bool
	// written are the struct types whose exported fields reflection can
	// set (with all of those it reaches when writesAll); see fieldWrites.
	written   *typeutil.Map
	writesAll bool

	// memo decides hidden per value.
	memo *sccMemo[bool]

	// literals and readOnlySlices memoise literalElems' checks.
	literals       map[*ssa.Alloc]literalStores
	readOnlySlices map[ssa.Value]bool
	sealedSlices   map[ssa.Value]bool

	// onType, set while typesOf runs, receives the type of each
	// MakeInterface the walk reaches.
	onType func(types.Type)
}

// newHiddenFlow prepares the questions about reach r.
func (p *program) newHiddenFlow(r *reach) *hiddenFlow {
	h := &hiddenFlow{
		p: p, r: r,
		bySite:      map[ssa.CallInstruction][]*ssa.Function{},
		entered:     map[*ssa.Function]bool{},
		intoRuntime: map[ssa.CallInstruction]bool{},

		literals:       map[*ssa.Alloc]literalStores{},
		readOnlySlices: map[ssa.Value]bool{},
		sealedSlices:   map[ssa.Value]bool{},
	}
	h.memo = newSCCMemo(func(v ssa.Value, get func(ssa.Value) bool) bool {
		return h.sources(v, get)
	}, func(a, b bool) bool { return a || b })
	for _, es := range r.succ {
		for _, e := range es {
			if e.site != nil {
				h.bySite[e.site] = append(h.bySite[e.site], e.callee)
			} else {
				h.entered[e.callee] = true
			}
		}
	}
	h.writesAll, h.written = h.fieldWrites(interfaceWriters)
	for _, e := range r.runtimeCalls {
		if e.site != nil {
			h.intoRuntime[e.site] = true
		}
	}
	for _, fn := range r.roots {
		if fn.Pkg != p.mainPkg || (fn.Name() != "main" && fn.Name() != "init") {
			h.entered[fn] = true
		}
	}
	return h
}

// receiverHidden reports whether the receiver of the interface method
// call site can hold a value made by reflection.
func (h *hiddenFlow) receiverHidden(site ssa.CallInstruction) bool {
	return h.hidden(site.Common().Value)
}

// hidden reports whether v can hold a value whose dynamic type VTA did
// not see flow.
func (h *hiddenFlow) hidden(v ssa.Value) bool {
	return h.memo.decide(v)
}

// sources calls from on each value v takes its value from, and reports
// yes when v is itself a source of hidden values or one of those is. It
// visits every operand even after a yes, so that the component numbering
// stays consistent.
func (h *hiddenFlow) sources(v ssa.Value, from func(ssa.Value) bool) bool {
	fromAll := func(vs []ssa.Value) bool {
		yes := false
		for _, u := range vs {
			if from(u) {
				yes = true
			}
		}
		return yes
	}
	switch v := v.(type) {
	case *ssa.Const:
		return false
	case *ssa.MakeInterface:
		if h.onType != nil {
			h.onType(v.X.Type())
		}
		return false
	case *ssa.Phi:
		return fromAll(v.Edges)
	case *ssa.ChangeInterface:
		return from(v.X)
	case *ssa.ChangeType:
		return from(v.X)
	case *ssa.TypeAssert:
		if v.CommaOk || !types.IsInterface(v.AssertedType) {
			return true
		}
		return from(v.X)
	case *ssa.Extract:
		switch t := v.Tuple.(type) {
		case *ssa.TypeAssert:
			if v.Index == 0 && types.IsInterface(t.AssertedType) {
				return from(t.X)
			}
		case *ssa.Call:
			return h.results(t, v.Index, from)
		case *ssa.Lookup:
			if v.Index == 0 {
				return h.slot(t.X.Type(), slotOfMap(t.X.Type(), false), from)
			}
		case *ssa.UnOp:
			if v.Index == 0 && t.Op == token.ARROW {
				return h.slot(t.X.Type(), slotOfChan(t.X.Type()), from)
			}
		case *ssa.Next:
			if !t.IsString && v.Index > 0 {
				return h.slot(t.Iter.(*ssa.Range).X.Type(), slotOfMap(t.Iter.(*ssa.Range).X.Type(), v.Index == 1), from)
			}
		}
		return true
	case *ssa.Call:
		return h.results(v, -1, from)
	case *ssa.Parameter:
		fn := v.Parent()
		if h.entered[fn] {
			return true
		}
		idx := paramIndex(v)
		var args []ssa.Value
		for _, e := range h.r.pred[fn] {
			if e.site == nil {
				return true
			}
			arg := argAt(e.site.Common(), idx)
			if arg == nil {
				return true
			}
			args = append(args, arg)
		}
		return fromAll(args)
	case *ssa.FreeVar:
		return fromAll(h.p.values().bindings(v))
	case *ssa.UnOp:
		switch v.Op {
		case token.MUL:
			return h.load(v.X, from)
		case token.ARROW:
			return h.slot(v.X.Type(), slotOfChan(v.X.Type()), from)
		}
		return true
	case *ssa.Field:
		st := v.X.Type().Underlying().(*types.Struct)
		return h.slot(v.X.Type(), slotOfField(st.Field(v.Field)), from)
	case *ssa.Index:
		return h.slot(v.X.Type(), slotOfElem(v.X.Type()), from)
	case *ssa.Lookup:
		if _, isMap := v.X.Type().Underlying().(*types.Map); isMap && !v.CommaOk {
			return h.slot(v.X.Type(), slotOfMap(v.X.Type(), false), from)
		}
	}
	return true
}

// typesOf returns the dynamic types the values vs can hold, whether VTA
// saw them flow or not: the MakeInterface sources the walk of sources
// reaches. top is true when some source is one whose types the walk
// cannot name (a value made by reflection, memory written through an
// alias, a call into the runtime), when vs holds nil (a source its caller
// could not name), or when the walk grows past rootTypesLimit values.
func (h *hiddenFlow) typesOf(vs ...ssa.Value) (ts []types.Type, top bool) {
	const limit = rootTypesLimit
	var set typeutil.Map
	h.onType = func(t types.Type) {
		if set.At(t) == nil {
			set.Set(t, true)
			ts = append(ts, t)
		}
	}
	defer func() { h.onType = nil }()
	seen := map[ssa.Value]bool{}
	var stack []ssa.Value
	for _, v := range vs {
		if v == nil {
			return nil, true
		}
		if !seen[v] {
			seen[v] = true
			stack = append(stack, v)
		}
	}
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if h.sources(u, func(w ssa.Value) bool {
			if !seen[w] {
				seen[w] = true
				stack = append(stack, w)
			}
			return false
		}) || len(seen) > limit {
			return nil, true
		}
	}
	return ts, false
}

// results traces the values the callees of call return at position idx
// (-1 for a single result).
func (h *hiddenFlow) results(call *ssa.Call, idx int, from func(ssa.Value) bool) bool {
	callees := h.bySite[call]
	if len(callees) == 0 {
		// A call through a function value or an interface with no
		// reached callee cannot return (the walk is complete when this
		// is asked); a static call without one goes into package runtime,
		// which the reach leaves out.
		// A builtin (recover's value is whatever was panicked) answers
		// yes too.
		if _, builtin := call.Common().Value.(*ssa.Builtin); builtin {
			return true
		}
		if h.r.refused[call] {
			return false // every edge is one that cannot be taken
		}
		return call.Common().StaticCallee() != nil || h.intoRuntime[call]
	}
	yes := false
	for _, fn := range callees {
		if fn.Blocks == nil {
			return true
		}
		for _, b := range fn.Blocks {
			ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
			if !ok {
				continue
			}
			i := idx
			if i < 0 {
				i = 0
			}
			if i >= len(ret.Results) {
				return true
			}
			if from(ret.Results[i]) {
				yes = true
			}
		}
	}
	return yes
}

// load traces a load from addr.
func (h *hiddenFlow) load(addr ssa.Value, from func(ssa.Value) bool) bool {
	switch a := addr.(type) {
	case *ssa.FieldAddr:
		t := a.X.Type().Underlying().(*types.Pointer).Elem()
		return h.slot(t, slotOfField(t.Underlying().(*types.Struct).Field(a.Field)), from)
	case *ssa.IndexAddr:
		if isSlice(a.X) {
			if vals, ok := h.literalElems(a.X); ok {
				yes := false
				for _, v := range vals {
					if from(v) {
						yes = true
					}
				}
				return yes
			}
		}
		return h.slot(a.X.Type(), slotOfElem(a.X.Type()), from)
	case *ssa.Global, *ssa.Alloc, *ssa.FreeVar:
		f := h.p.values()
		if g, isGlobal := a.(*ssa.Global); isGlobal && h.p.linked[g.Pkg.Pkg.Path()+"."+g.Name()] {
			return true // other code (the runtime, assembly) shares its memory
		}
		yes := false
		if f.cellEscapes(a) != "" {
			// Its address went elsewhere (srv.trackListener(&l)): what
			// is written through any pointer of its type counts too.
			if h.pointeeHidden(a.Type()) {
				return true
			}
			for _, st := range h.p.slotStores().stores[slotOfPointee(a.Type())] {
				if h.r.funcs[st.fn] && from(st.val) {
					yes = true
				}
			}
		}
		for _, s := range f.storesTo(a) {
			if from(s) {
				yes = true
			}
		}
		return yes
	}
	if pointerToInterface(addr.Type()) {
		return h.anyPointee(addr.Type(), from)
	}
	return true
}

// anyPointee traces a load through a pointer ptr of unknown origin (a map
// key, a result, a field of pointer type): it can point to any memory of
// its element type whose address was taken, so it holds what is stored to
// such cells, fields and elements, and what is stored through pointers of
// its type. net/http's closeListenersLocked closes (*ln) for each
// *net.Listener its Serve calls registered (&l).
func (h *hiddenFlow) anyPointee(ptr types.Type, from func(ssa.Value) bool) bool {
	if h.pointeeHidden(ptr) {
		return true
	}
	idx := h.p.slotStores()
	yes := false
	for _, st := range idx.stores[slotOfPointee(ptr)] {
		if h.r.funcs[st.fn] && from(st.val) {
			yes = true
		}
	}
	elem := types.TypeString(ptr.Underlying().(*types.Pointer).Elem(), nil)
	f := h.p.values()
	for _, cell := range idx.cells[elem] {
		for _, s := range f.storesTo(cell) {
			if from(s) {
				yes = true
			}
		}
	}
	for _, es := range idx.escapedSlots[elem] {
		if h.slotValues(es.container, es.key, from) {
			yes = true
		}
	}
	return yes
}

// pointeeHidden reports whether memory of pointer type ptr can be written
// other than by a store the slot index holds: reflection can write
// through such a pointer (reflect.Value.Elem then Set, see fieldWrites;
// reflectlite's Set, errors.As's, once such a pointer is an interface
// value), or a pointer of the type is handed to code the index does not
// see (converted to unsafe.Pointer, passed to a function without a body).
func (h *hiddenFlow) pointeeHidden(ptr types.Type) bool {
	ptr = types.Unalias(ptr)
	if h.p.slotStores().escapes[slotOfPointee(ptr)] {
		return true
	}
	rt := h.r.rtypes
	inRT := rt == nil || rt.set.At(ptr) != nil
	if h.written.At(ptr) != nil || (h.writesAll && inRT) {
		return true
	}
	return inRT && h.p.reachedMethod(h.r, "internal/reflectlite", "Value", "Set")
}

// slotOfPointee names the memory a pointer of type ptr points to, for the
// stores made through pointers of that type.
func slotOfPointee(ptr types.Type) slotKey { return (*typeNamer)(nil).slotOfPointee(ptr) }

func (n *typeNamer) slotOfPointee(ptr types.Type) slotKey {
	return slotKey{kind: slotPointee, typ: n.of(ptr)}
}

// slot traces a load from a slot of a container of type container: yes
// when reflection can write it (see fieldWrites) or its address escapes,
// else the values reached code stores there.
func (h *hiddenFlow) slot(container types.Type, k slotKey, from func(ssa.Value) bool) bool {
	if h.p.slotStores().escapes[k] {
		return true
	}
	return h.slotValues(container, k, from)
}

// slotValues traces the values stored to a slot, whose address may
// escape: yes when reflection can write it, else the values reached code
// stores there (what is stored through an escaped address is the
// caller's to add).
func (h *hiddenFlow) slotValues(container types.Type, k slotKey, from func(ssa.Value) bool) bool {
	if strings.HasPrefix(k.typ, "?") {
		return true
	}
	if k.kind != slotField || k.exported {
		c := types.Unalias(container)
		if p, ok := c.Underlying().(*types.Pointer); ok && k.kind == slotElem {
			c = types.Unalias(p.Elem()) // a pointer to an array
		}
		if h.written.At(c) != nil || (h.writesAll && (h.r.rtypes == nil || h.r.rtypes.set.At(c) != nil)) {
			return true
		}
	}
	idx := h.p.slotStores()
	yes := false
	for _, st := range idx.stores[k] {
		if !h.r.funcs[st.fn] {
			continue
		}
		if from(st.val) {
			yes = true
		}
	}
	return yes
}

// slotKind says what kind of memory a slotKey names.
type slotKind uint8

const (
	slotField   slotKind = iota // a struct field
	slotElem                    // an element of a slice or an array
	slotMapKey                  // a key of a map
	slotMapVal                  // a value of a map
	slotChan                    // a value sent on a channel
	slotPointee                 // what a pointer of a type points to
)

// slotKey names a kind of interface-typed slot by what a conversion
// between container types preserves: a field by its package, name and
// type (struct types with identical fields convert into each other), an
// element, key or channel value by its type.
type slotKey struct {
	kind      slotKind
	pkg, name string
	typ       string
	exported  bool
}

// typeNamer names types as types.TypeString does, remembering the name
// of each type value it is asked for: building the indexes of the whole
// program asks for the same few thousand types hundreds of thousands of
// times (on the 249-package benchmark, 108 of the 154 MB the indexes
// allocated were these names). A nil *typeNamer remembers nothing. It is
// not safe for concurrent use.
type typeNamer struct {
	names map[types.Type]string
}

// newTypeNamer returns a typeNamer that remembers.
func newTypeNamer() *typeNamer {
	return &typeNamer{names: map[types.Type]string{}}
}

// of returns types.TypeString(t, nil).
func (n *typeNamer) of(t types.Type) string {
	if n == nil {
		return types.TypeString(t, nil)
	}
	s, ok := n.names[t]
	if !ok {
		s = types.TypeString(t, nil)
		n.names[t] = s
	}
	return s
}

// slotOfField names a struct field.
func slotOfField(fld *types.Var) slotKey { return (*typeNamer)(nil).slotOfField(fld) }

func (n *typeNamer) slotOfField(fld *types.Var) slotKey {
	k := slotKey{kind: slotField, name: fld.Name(), typ: n.of(fld.Type()), exported: fld.Exported()}
	if fld.Pkg() != nil {
		k.pkg = fld.Pkg().Path()
	}
	return k
}

// slotOfElem names the elements of a slice, an array or a pointer to an
// array.
func slotOfElem(container types.Type) slotKey { return (*typeNamer)(nil).slotOfElem(container) }

func (n *typeNamer) slotOfElem(container types.Type) slotKey {
	t := container.Underlying()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem().Underlying()
	}
	var elem types.Type
	switch t := t.(type) {
	case *types.Slice:
		elem = t.Elem()
	case *types.Array:
		elem = t.Elem()
	default:
		elem = t
	}
	return slotKey{kind: slotElem, typ: n.of(elem)}
}

// slotOfMap names the keys (key set) or the values of a map.
func slotOfMap(m types.Type, key bool) slotKey { return (*typeNamer)(nil).slotOfMap(m, key) }

func (n *typeNamer) slotOfMap(m types.Type, key bool) slotKey {
	mt, ok := m.Underlying().(*types.Map)
	if !ok { // a type parameter's core type: answered yes by slot
		return slotKey{kind: slotMapVal, typ: "?" + m.String()}
	}
	if key {
		return slotKey{kind: slotMapKey, typ: n.of(mt.Key())}
	}
	return slotKey{kind: slotMapVal, typ: n.of(mt.Elem())}
}

// slotOfChan names the values sent on a channel.
func slotOfChan(c types.Type) slotKey { return (*typeNamer)(nil).slotOfChan(c) }

func (n *typeNamer) slotOfChan(c types.Type) slotKey {
	ct, ok := c.Underlying().(*types.Chan)
	if !ok {
		return slotKey{kind: slotChan, typ: "?" + c.String()}
	}
	return slotKey{kind: slotChan, typ: n.of(ct.Elem())}
}

// slotStoreIndex holds, for every kind of interface-typed slot, the
// values stored there in every function of the program, and whether the
// address of such a slot is used other than to load or store (passed to
// a function, stored, converted): then it can be written through that
// alias, which the index does not see.
type slotStoreIndex struct {
	stores  map[slotKey][]slotStore
	escapes map[slotKey]bool
	// cells are the package variables and local cells of an interface
	// type whose address is used other than to load or store, and
	// escapedSlots the fields and elements of an interface type whose
	// address is, both keyed by that interface type: the memory a
	// pointer of unknown origin to that type can point to (see
	// anyPointee).
	cells        map[string][]ssa.Value
	escapedSlots map[string][]escapedSlot
	// intoArray maps a store into an element of a local array (a
	// variadic call's literal) to that array; a store into any other
	// memory has no entry.
	intoArray map[keyedStore][]*ssa.Alloc
}

// keyedStore is a store into a slot of the kind key names.
type keyedStore struct {
	key   slotKey
	store slotStore
}

// escapedSlot is a field or element slot whose address escapes, with the
// type of a container it is in.
type escapedSlot struct {
	container types.Type
	key       slotKey
}

// pointerToInterface reports whether t is a pointer to an interface.
func pointerToInterface(t types.Type) bool {
	p, ok := t.Underlying().(*types.Pointer)
	return ok && types.IsInterface(p.Elem())
}

// bodylessArgs returns the arguments call hands to code without a body
// here (the runtime, assembly): memory they point to may be written there.
func bodylessArgs(call ssa.CallInstruction) []ssa.Value {
	cc := call.Common()
	callee := cc.StaticCallee()
	if callee == nil || isBuiltinCall(cc) || (callee.Blocks != nil && !isRuntime(callee)) {
		return nil
	}
	return cc.Args
}

// isBuiltinCall reports whether cc calls a builtin.
func isBuiltinCall(cc *ssa.CallCommon) bool {
	_, ok := cc.Value.(*ssa.Builtin)
	return ok
}

// slotStore is a value stored into a slot by function fn.
type slotStore struct {
	val ssa.Value
	fn  *ssa.Function
}

// everyCallerArg calls follow with each argument the reached calls of
// v's function pass for v, and reports whether follow accepted them all;
// false when the function is entered other than by a call the reach
// records.
func (h *hiddenFlow) everyCallerArg(v *ssa.Parameter, follow func(ssa.Value) bool) bool {
	fn := v.Parent()
	if h.entered[fn] {
		return false
	}
	for _, e := range h.r.pred[fn] {
		if e.site == nil {
			return false
		}
		arg := argAt(e.site.Common(), paramIndex(v))
		if arg == nil || !follow(arg) {
			return false
		}
	}
	return true
}

// addressUses returns the values stored to the address addr, and whether
// addr is used other than to load or store (so that memory can be written
// through an alias).
func addressUses(addr ssa.Value) (stored []ssa.Value, escapes bool) {
	for _, use := range *addr.Referrers() {
		switch use := use.(type) {
		case *ssa.Store:
			if use.Addr == addr && use.Val != addr {
				stored = append(stored, use.Val)
				continue
			}
		case *ssa.UnOp:
			if use.Op == token.MUL {
				continue
			}
		case *ssa.DebugRef:
			continue
		}
		escapes = true
	}
	return stored, escapes
}

// slotStores indexes the program's interface-typed slots (computed once,
// or waited for while buildProgram builds it in the background).
func (p *program) slotStores() *slotStoreIndex {
	p.awaitIndexes()
	if p.slotIndex == nil {
		p.slotIndex = p.indexSlotStores()
	}
	return p.slotIndex
}

// indexSlotStores builds slotStores' index.
func (p *program) indexSlotStores() *slotStoreIndex {
	idx := &slotStoreIndex{stores: map[slotKey][]slotStore{}, escapes: map[slotKey]bool{},
		cells: map[string][]ssa.Value{}, escapedSlots: map[string][]escapedSlot{},
		intoArray: map[keyedStore][]*ssa.Alloc{}}
	f := p.values()
	names := newTypeNamer()
	address := func(addr ssa.Value, container types.Type, k slotKey) {
		escaped := false
		defer func() {
			if escaped {
				elem := names.of(addr.Type().Underlying().(*types.Pointer).Elem())
				idx.escapedSlots[elem] = append(idx.escapedSlots[elem], escapedSlot{container, k})
			}
		}()
		stored, escapes := addressUses(addr)
		for _, v := range stored {
			st := slotStore{v, addr.Parent()}
			idx.stores[k] = append(idx.stores[k], st)
			if ia, ok := addr.(*ssa.IndexAddr); ok {
				if a, ok := ia.X.(*ssa.Alloc); ok {
					idx.intoArray[keyedStore{k, st}] = append(idx.intoArray[keyedStore{k, st}], a)
				}
			}
		}
		if escapes {
			idx.escapes[k] = true
			escaped = true
		}
	}
	for fn := range p.values().functions() {
		for _, b := range fn.Blocks {
			for _, in := range b.Instrs {
				switch in := in.(type) {
				case *ssa.FieldAddr:
					st := in.X.Type().Underlying().(*types.Pointer).Elem().Underlying().(*types.Struct)
					if fld := st.Field(in.Field); types.IsInterface(fld.Type()) {
						address(in, in.X.Type().Underlying().(*types.Pointer).Elem(), names.slotOfField(fld))
					}
				case *ssa.IndexAddr:
					if k := names.slotOfElem(in.X.Type()); types.IsInterface(in.Type().Underlying().(*types.Pointer).Elem()) {
						address(in, in.X.Type(), k)
					}
				case *ssa.Alloc:
					if pointerToInterface(in.Type()) && f.cellEscapes(in) != "" {
						k := names.of(in.Type().Underlying().(*types.Pointer).Elem())
						idx.cells[k] = append(idx.cells[k], in)
					}
				case *ssa.Store:
					switch in.Addr.(type) {
					case *ssa.FieldAddr, *ssa.IndexAddr, *ssa.Global, *ssa.Alloc, *ssa.FreeVar:
					default:
						if types.IsInterface(in.Val.Type()) {
							k := names.slotOfPointee(in.Addr.Type())
							idx.stores[k] = append(idx.stores[k], slotStore{in.Val, fn})
						}
					}
				case *ssa.Convert:
					if pointerToInterface(in.X.Type()) {
						idx.escapes[names.slotOfPointee(in.X.Type())] = true
					}
					// A pointer made from an unsafe.Pointer can point
					// into memory no slot of the index names.
					if pointerToInterface(in.Type()) {
						idx.escapes[names.slotOfPointee(in.Type())] = true
					}
				case ssa.CallInstruction:
					for _, arg := range bodylessArgs(in) {
						if pointerToInterface(arg.Type()) {
							idx.escapes[names.slotOfPointee(arg.Type())] = true
						}
					}
				case *ssa.MapUpdate:
					if types.IsInterface(in.Key.Type()) {
						k := names.slotOfMap(in.Map.Type(), true)
						idx.stores[k] = append(idx.stores[k], slotStore{in.Key, fn})
					}
					if types.IsInterface(in.Value.Type()) {
						k := names.slotOfMap(in.Map.Type(), false)
						idx.stores[k] = append(idx.stores[k], slotStore{in.Value, fn})
					}
				case *ssa.Send:
					if types.IsInterface(in.X.Type()) {
						k := names.slotOfChan(in.Chan.Type())
						idx.stores[k] = append(idx.stores[k], slotStore{in.X, fn})
					}
				case *ssa.Select:
					for _, st := range in.States {
						if st.Dir == types.SendOnly && types.IsInterface(st.Send.Type()) {
							k := names.slotOfChan(st.Chan.Type())
							idx.stores[k] = append(idx.stores[k], slotStore{st.Send, fn})
						}
					}
				}
			}
		}
	}
	for _, pkg := range p.prog.AllPackages() {
		for _, m := range pkg.Members {
			if g, ok := m.(*ssa.Global); ok && pointerToInterface(g.Type()) && f.cellEscapes(g) != "" {
				k := names.of(g.Type().Underlying().(*types.Pointer).Elem())
				idx.cells[k] = append(idx.cells[k], g)
			}
		}
	}
	return idx
}

// rootTypesLimit bounds the values typesOf visits for one question (a
// root of a reflection write, the stores of one interface slot).
const rootTypesLimit = 20000

// interfaceWriters are the reflect functions that can write an interface
// value into memory: the Value methods whose receiver is the memory
// written, and, with container set, those that write into the map,
// channel or slice their receiver (Copy: first argument) holds. Each
// names the positions of its arguments (0 is the receiver) that hold the
// values written.
var interfaceWriters = []reflectWriter{{"Set", false, []int{1}}, {"SetIterKey", false, []int{1}}, {"SetIterValue", false, []int{1}}, {"SetMapIndex", true, []int{1, 2}}, {"Send", true, []int{1}}, {"TrySend", true, []int{1}}, {"Copy", true, []int{1}}}

// scalarWriters are the Value methods that write a number, a string, a
// byte slice or a pointer into the memory their receiver is. With
// interfaceWriters, they are every way reflection can change a field to a
// value other than zero.
var scalarWriters = []reflectWriter{{"SetInt", false, nil}, {"SetUint", false, nil}, {"SetFloat", false, nil}, {"SetComplex", false, nil}, {"SetBool", false, nil}, {"SetString", false, nil}, {"SetBytes", false, nil}, {"SetPointer", false, nil}, {"SetLen", false, nil}, {"SetCap", false, nil}}

// reflectWriter is a reflect function that writes memory; see
// interfaceWriters.
type reflectWriter struct {
	name      string
	container bool
	// values are the positions of the arguments that hold the values
	// written, where those can be of an interface type (see
	// interfaceWriters); nil for the scalar writers.
	values []int
}

// fieldWrites returns the struct types whose exported fields a reached
// call of one of writers can write (every type reflection reaches when
// all is set).
//
// The receiver of each such call is followed back through Elem, Index,
// Addr, Slice, Convert and Indirect, phis, parameters and the results of
// the program's own functions. Only a receiver that went through
// Value.Field (FieldByName, FieldByIndex, FieldByIndexErr,
// FieldByNameFunc) writes a field; where such a chain starts at
// reflect.ValueOf(x), the fields written are those of the types x can
// hold (its MakeInterface sources, closed under their components). A chain
// that starts anywhere else, or an x whose source is not a MakeInterface,
// counts as every type. A receiver that never went through Field writes
// only memory the program handed to reflection by address (errors.As's
// target), which the field index sees as an escaping address.
//
// The closure goes on through interface-typed components (encoding/json
// decodes into the *exec.Cmd an `any` field already holds): to the types
// the program stores into such a slot (slotStored) and the types any
// interface writer's value can hold (its chain, followed as a Field
// chain's). Where either cannot be named, every type counts.
func (h *hiddenFlow) fieldWrites(writers []reflectWriter) (all bool, written *typeutil.Map) {
	written = &typeutil.Map{}
	reflectPkg := h.p.prog.ImportedPackage("reflect")
	if reflectPkg == nil {
		return false, written
	}
	isValueMethod := func(fn *ssa.Function, names ...string) bool {
		if fn == nil || pkgOf(fn) != reflectPkg || fn.Signature.Recv() == nil {
			return false
		}
		for _, n := range names {
			if fn.Name() == n {
				return true
			}
		}
		return false
	}
	var roots []ssa.Value // the x of ValueOf(x) at the start of a Field chain
	var rootTypes []types.Type
	type key struct {
		v        ssa.Value
		viaField bool
	}
	seen := map[key]bool{}
	// chain follows a reflect.Value back; it reports false when it cannot.
	var chain func(v ssa.Value, viaField bool) bool
	// args follows what the calls of v's function pass for v.
	args := h.everyCallerArg
	// chainType follows a reflect.Type back to the values or types it is
	// the type of (a component of): Value.Type, TypeOf, TypeFor, a Type's
	// Elem, Key, Field(i).Type, and PointerTo, SliceOf, MapOf, ArrayOf.
	var chainType func(t ssa.Value) bool
	typeSeen := map[ssa.Value]bool{}
	chainType = func(t ssa.Value) bool {
		if typeSeen[t] {
			return true
		}
		typeSeen[t] = true
		switch t := t.(type) {
		case *ssa.Phi:
			for _, e := range t.Edges {
				if !chainType(e) {
					return false
				}
			}
			return true
		case *ssa.Parameter:
			return args(t, chainType)
		case *ssa.Field: // StructField.Type
			if c, ok := t.X.(*ssa.Call); ok && c.Common().IsInvoke() && c.Common().Method.Name() == "Field" {
				return chainType(c.Common().Value)
			}
			return false
		case *ssa.Call:
			cc := t.Common()
			if cc.IsInvoke() {
				switch cc.Method.Name() {
				case "Elem", "Key":
					return chainType(cc.Value)
				}
				return false
			}
			callee := cc.StaticCallee()
			switch {
			case callee == nil:
				return false
			case isValueMethod(callee, "Type"):
				return chain(cc.Args[0], true)
			case pkgOf(callee) == reflectPkg && callee.Signature.Recv() == nil:
				switch callee.Name() {
				case "TypeOf":
					roots = append(roots, cc.Args[0])
					return true
				case "PointerTo", "PtrTo", "SliceOf", "MapOf", "ArrayOf":
					for _, a := range cc.Args {
						if _, isType := a.Type().Underlying().(*types.Interface); isType && !chainType(a) {
							return false
						}
					}
					return true
				}
				if callee.Origin() != nil && callee.Origin().Name() == "TypeFor" {
					if targs := callee.TypeArgs(); len(targs) == 1 {
						rootTypes = append(rootTypes, targs[0])
						return true
					}
				}
			}
		}
		return false
	}
	// returns follows the values callee returns at position i.
	returns := func(callee *ssa.Function, i int, viaField bool) bool {
		for _, b := range callee.Blocks {
			if ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok && (i >= len(ret.Results) || !chain(ret.Results[i], viaField)) {
				return false
			}
		}
		return true
	}
	chain = func(v ssa.Value, viaField bool) bool {
		if seen[key{v, viaField}] {
			return true
		}
		seen[key{v, viaField}] = true
		switch v := v.(type) {
		case *ssa.Phi:
			for _, e := range v.Edges {
				if !chain(e, viaField) {
					return false
				}
			}
			return true
		case *ssa.Parameter:
			return args(v, func(a ssa.Value) bool { return chain(a, viaField) })
		case *ssa.Const:
			return true // the zero Value: using it panics, it writes nothing
		case *ssa.UnOp:
			// An element of a slice of Values that can only be a slice
			// of local arrays only read after they are filled (the
			// ...Value of reflect.Append, which Sets each): the values
			// stored there.
			ia, ok := v.X.(*ssa.IndexAddr)
			if !ok || v.Op != token.MUL || !isSlice(ia.X) {
				return false
			}
			vals, ok := h.literalElems(ia.X)
			if !ok {
				return false
			}
			for _, val := range vals {
				if !chain(val, viaField) {
					return false
				}
			}
			return true
		case *ssa.Extract:
			c, ok := v.Tuple.(*ssa.Call)
			if !ok {
				return false
			}
			if callee := c.Common().StaticCallee(); v.Index > 0 && callee != nil && pkgOf(callee) != reflectPkg && callee.Blocks != nil {
				return returns(callee, v.Index, viaField)
			}
			return v.Index == 0 && chain(c, viaField)
		case *ssa.Call:
			callee := v.Common().StaticCallee()
			switch {
			case callee == nil:
				return false
			case isValueMethod(callee, "Field", "FieldByName", "FieldByIndex", "FieldByIndexErr", "FieldByNameFunc", "Index"):
				return chain(v.Common().Args[0], true)
			case !viaField && isValueMethod(callee, "Elem"):
				// A write through a pointer: the pointer's type is among
				// the roots' (see pointeeHidden). Memory reflect.New just
				// made is no cell of the program's: the program sees it
				// only through a value reflection made.
				if c, ok := v.Common().Args[0].(*ssa.Call); ok {
					if fn := c.Common().StaticCallee(); fn != nil && pkgOf(fn) == reflectPkg && fn.Name() == "New" {
						return true
					}
				}
				return chain(v.Common().Args[0], true)
			case !viaField && pkgOf(callee) == reflectPkg:
				// Set on anything but a field or an element (a pointee,
				// a new value) writes memory the program handed over by
				// address: the slot index sees that address escape.
				return true
			case isValueMethod(callee, "Elem", "Addr", "Slice", "Slice3", "Convert", "extendSlice"):
				return chain(v.Common().Args[0], viaField)
			case viaField && isValueMethod(callee, "MapIndex", "MapRange", "Key", "Value"):
				// A value read from a map (MapIndex, a MapIter's Key
				// or Value, the iterator MapRange makes): a component
				// of what the map is.
				return chain(v.Common().Args[0], true)
			case pkgOf(callee) == reflectPkg && callee.Signature.Recv() == nil:
				switch callee.Name() {
				case "ValueOf":
					if viaField {
						roots = append(roots, v.Common().Args[0])
					}
					return true
				case "Indirect":
					return chain(v.Common().Args[0], viaField)
				case "Zero":
					return true // not addressable: its fields cannot be set
				case "New", "MakeSlice", "MakeMap", "MakeMapWithSize", "MakeChan":
					// A new object of a type the chain computes: its
					// fields are set only after a Field, whose roots are
					// the roots of that type.
					return !viaField || chainType(v.Common().Args[0])
				case "Append", "AppendSlice":
					return chain(v.Common().Args[0], viaField)
				}
				return false
			case pkgOf(callee) == reflectPkg || callee.Blocks == nil:
				return false
			}
			return returns(callee, 0, viaField)
		}
		return false
	}
	// Set, SetIterKey and SetIterValue write what their receiver is;
	// SetMapIndex, Send and TrySend write into the map or channel their
	// receiver holds, Copy into its first argument's elements.
	// reflect.Select's send cases write into channels it is handed in a
	// slice of SelectCase: not followed, every channel counts.
	if sel := reflectPkg.Func("Select"); sel == nil || h.r.funcs[sel] {
		return true, written
	}
	valueType := reflectPkg.Members["Value"].(*ssa.Type).Type()
	writerFunc := func(w reflectWriter) *ssa.Function {
		if w.name == "Copy" {
			return reflectPkg.Func("Copy")
		}
		if sel := h.p.prog.MethodSets.MethodSet(valueType).Lookup(reflectPkg.Pkg, w.name); sel != nil {
			return h.p.prog.MethodValue(sel)
		}
		return nil
	}
	for _, w := range writers {
		set := writerFunc(w)
		if set == nil {
			return true, written // a reflect without the function: assume the worst
		}
		if !h.r.funcs[set] {
			continue
		}
		for _, e := range h.r.pred[set] {
			if pkgOf(e.caller) == reflectPkg && strings.HasPrefix(e.caller.Name(), "make") {
				// reflect's makeInt, makeString, …: write a value
				// they have just made with New, for a conversion.
				continue
			}
			if e.site == nil || len(e.site.Common().Args) == 0 || !chain(e.site.Common().Args[0], w.container) {
				return true, written
			}
		}
	}
	// The values the interface writers write: their chains (as a Field
	// chain's, from ValueOf(x), New(T), ...) name the types reflection
	// can put into an interface-typed slot. Needed only if the closure
	// below reaches such a slot; valuesAll when they cannot be named.
	//
	// reflect.New(x.Type()).Elem().Set(x) copies x into memory it has
	// just made of x's own type (encoding/json's isZero boxes a value so
	// to take its address): that memory joins a slot the closure reaches
	// only as the value of another writer, whose chain goes through New
	// to x.Type() and so to x's own roots; what it writes is named there.
	copiesToNew := func(set *ssa.CallCommon) bool {
		if len(set.Args) != 2 {
			return false
		}
		elem, ok := set.Args[0].(*ssa.Call)
		if !ok || !isValueMethod(elem.Common().StaticCallee(), "Elem") {
			return false
		}
		alloc, ok := elem.Common().Args[0].(*ssa.Call)
		if !ok {
			return false
		}
		if fn := alloc.Common().StaticCallee(); fn == nil || pkgOf(fn) != reflectPkg || fn.Name() != "New" || fn.Signature.Recv() != nil {
			return false
		}
		typ, ok := alloc.Common().Args[0].(*ssa.Call)
		return ok && isValueMethod(typ.Common().StaticCallee(), "Type") && typ.Common().Args[0] == set.Args[1]
	}
	fieldRoots, fieldRootTypes := roots, rootTypes
	roots, rootTypes = nil, nil
	seen, typeSeen = map[key]bool{}, map[ssa.Value]bool{}
	valuesAll := false
values:
	for _, w := range writers {
		if len(w.values) == 0 {
			continue
		}
		set := writerFunc(w)
		if set == nil || !h.r.funcs[set] {
			continue
		}
		for _, e := range h.r.pred[set] {
			if pkgOf(e.caller) == reflectPkg && strings.HasPrefix(e.caller.Name(), "make") {
				continue // a value of the receiver's own type (see above)
			}
			if w.name == "Set" && e.site != nil && copiesToNew(e.site.Common()) {
				continue
			}
			for _, i := range w.values {
				if e.site == nil || i >= len(e.site.Common().Args) || !chain(e.site.Common().Args[i], true) {
					valuesAll = true
					break values
				}
			}
		}
	}
	valueRoots, valueRootTypes := roots, rootTypes

	// The types the roots can hold, traced while the fields reflection
	// writes are not known yet: an exported field counts as written (see
	// slot).
	savedAll, savedWritten := h.writesAll, h.written
	h.writesAll, h.written = true, &typeutil.Map{}
	defer func() { h.writesAll, h.written = savedAll, savedWritten }()

	// The closure of the roots' types under the components reflection can
	// set through them. An interface-typed component (a field, an element,
	// a map key or value, a channel's value, a pointer's target) adds the
	// dynamic types it can hold: those the program stores there, and
	// those reflection can write into any interface slot. top is set when
	// some cannot be named.
	top := false
	valuesAdded := false
	var add func(t types.Type)
	addAll := func(ts []types.Type, unnamed bool) {
		if unnamed {
			top = true
			return
		}
		for _, t := range ts {
			add(t)
		}
	}
	add = func(t types.Type) {
		t = types.Unalias(t)
		if top || written.At(t) != nil {
			return
		}
		written.Set(t, true)
		eachSettableComponent(t, add)
		eachSettableInterfaceSlot(t, func(k slotKey, ptr types.Type) {
			if top {
				return
			}
			addAll(h.typesOf(h.slotStored(k, ptr)...))
			if !valuesAdded && !top {
				valuesAdded = true
				if valuesAll {
					top = true
					return
				}
				for _, t := range valueRootTypes {
					add(t)
				}
				for _, x := range valueRoots {
					addAll(h.typesOf(x))
				}
			}
		})
	}
	for _, t := range fieldRootTypes {
		add(t)
	}
	for _, x := range fieldRoots {
		addAll(h.typesOf(x))
	}
	return top, written
}

// slotStored returns the values the program stores into the interface
// slots k names, whatever reflection writes there: the stores the slot
// index holds for k and, when the address of such a slot escapes, those
// made through any pointer ptr of its type (a pointer to the interface)
// and into the cells of the interface type whose address escapes. A nil
// value in the result stands for a store the index cannot see (a pointer
// of type ptr handed to code without a body, or made from an
// unsafe.Pointer), which typesOf answers with top.
func (h *hiddenFlow) slotStored(k slotKey, ptr types.Type) []ssa.Value {
	idx := h.p.slotStores()
	var vals []ssa.Value
	direct := func(k slotKey) {
		for _, st := range idx.stores[k] {
			if h.r.funcs[st.fn] && !h.intoSealed(idx, k, st) {
				vals = append(vals, st.val)
			}
		}
	}
	if strings.HasPrefix(k.typ, "?") {
		return []ssa.Value{nil} // a type parameter's core type
	}
	direct(k)
	if k.kind != slotPointee && !idx.escapes[k] {
		return vals
	}
	pk := slotOfPointee(ptr)
	if idx.escapes[pk] {
		return append(vals, nil)
	}
	direct(pk)
	elem := types.TypeString(ptr.Underlying().(*types.Pointer).Elem(), nil)
	f := h.p.values()
	for _, cell := range idx.cells[elem] {
		if g, isGlobal := cell.(*ssa.Global); isGlobal && h.p.linked[g.Pkg.Pkg.Path()+"."+g.Name()] {
			return append(vals, nil) // other code shares its memory
		}
		vals = append(vals, f.storesTo(cell)...)
	}
	for _, es := range idx.escapedSlots[elem] {
		direct(es.key)
	}
	return vals
}

// intoSealed reports whether st, a store into a slot of the kind k names,
// writes only into elements of local arrays whose values stay there (see
// sealedArray): memory no reflection reaches, such as the ...any of a call
// to fmt.Printf.
func (h *hiddenFlow) intoSealed(idx *slotStoreIndex, k slotKey, st slotStore) bool {
	arrays := idx.intoArray[keyedStore{k, st}]
	if len(arrays) == 0 {
		return false
	}
	// The same value may be stored elsewhere too, by another store the
	// index holds under the same key: count it unless every address it
	// is stored to in st.fn is such an array's element.
	n := 0
	for _, ref := range *st.val.Referrers() {
		if s, ok := ref.(*ssa.Store); ok && s.Val == st.val && s.Parent() == st.fn {
			n++
		}
	}
	if n != len(arrays) {
		return false
	}
	for _, a := range arrays {
		if !h.sealedArray(a) {
			return false
		}
	}
	return true
}

// eachSettableInterfaceSlot calls f with each interface-typed slot a value
// of type t holds directly that reflection can set through it (see
// eachSettableComponent), named as the slot index names it, with the type
// of a pointer to the slot.
func eachSettableInterfaceSlot(t types.Type, f func(k slotKey, ptr types.Type)) {
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		if types.IsInterface(u.Elem()) {
			f(slotOfPointee(t), t)
		}
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if fld := u.Field(i); (fld.Exported() || fld.Embedded()) && types.IsInterface(fld.Type()) {
				f(slotOfField(fld), types.NewPointer(fld.Type()))
			}
		}
	case *types.Array:
		if types.IsInterface(u.Elem()) {
			f(slotOfElem(t), types.NewPointer(u.Elem()))
		}
	case *types.Slice:
		if types.IsInterface(u.Elem()) {
			f(slotOfElem(t), types.NewPointer(u.Elem()))
		}
	case *types.Map:
		if types.IsInterface(u.Key()) {
			f(slotOfMap(t, true), types.NewPointer(u.Key()))
		}
		if types.IsInterface(u.Elem()) {
			f(slotOfMap(t, false), types.NewPointer(u.Elem()))
		}
	case *types.Chan:
		if types.IsInterface(u.Elem()) {
			f(slotOfChan(t), types.NewPointer(u.Elem()))
		}
	}
}

// eachSettableComponent calls f with each type a value of type t holds
// directly (see eachComponent) that reflection can set through a value of
// type t: all of them but the fields of a struct that are neither exported
// nor embedded. A reflect.Value reached through such a field is read-only,
// and so is every Value made from it (Elem, Index, Field, Addr keep the
// flag): each writer (Set, SetInt, SetMapIndex, Send, Copy, ...) panics on
// it. The exported fields of an embedded struct stay settable (reflect
// drops the embedded field's flag at the next Field), so embedded fields
// are followed whatever their name. A program that writes through an
// unexported field with unsafe (reflect.NewAt of its UnsafeAddr) starts a
// chain fieldWrites does not follow, which counts as every type.
func eachSettableComponent(t types.Type, f func(types.Type)) {
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		eachComponent(t, f)
		return
	}
	for i := 0; i < st.NumFields(); i++ {
		if fld := st.Field(i); fld.Exported() || fld.Embedded() {
			f(fld.Type())
		}
	}
}
