package analyzer

import (
	"fmt"
	"go/types"
	"sort"

	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/types/typeutil"
)

// Reflection is where a call graph built from SSA alone is unsound: a value
// that comes out of reflect.Value.Interface (fmt printing a nested field,
// encoding/json calling MarshalJSON) carries a type the type-flow analysis
// never sees flow there, and reflect.Value.Call calls methods and functions
// no SSA call names. Both are covered from the set of types reflection can
// reach: every type converted to an interface in reachable code, closed
// under its components (struct fields, elements, keys, pointer targets) and
// pointers to them (reflection can take the address of addressable values).
//
//   - An interface method call whose receiver can hold a value made by
//     reflection (see reflectflow.go) may dispatch to the method of any
//     such type that implements the interface (extraInvokes), once
//     reflection can make interface values at all (reflect's or
//     reflectlite's packEface is reachable).
//   - When reflect.Value.Call, CallSlice, Method or MethodByName is
//     reachable (a method value from Method can be called directly), every
//     exported method of such a type, and every function whose value
//     reachable code takes with a func type among them, is a root
//     (reflectRoots).

// rtypes is the set of types reflection can reach, with an index of their
// methods by name for extraInvokes.
type rtypes struct {
	set       typeutil.Map // types.Type -> bool
	list      []types.Type
	byMethod  map[string][]*ssa.Function
	funcTypes []*types.Signature
	active    bool // reflection can produce interface values
}

// reflectTypes computes the types reflection can reach from the reachable
// code of r.
func (p *program) reflectTypes(r *reach) *rtypes {
	rt := &rtypes{byMethod: map[string][]*ssa.Function{}}
	rt.extend(p, r, p.sortedFuncs(r.funcs))
	return rt
}

// extend adds what the functions fns (newly reachable in r) make
// reachable to reflection, and reports whether rt changed. The walk
// extends one rtypes as it reaches more code instead of rescanning every
// function at each round.
func (rt *rtypes) extend(p *program, r *reach, fns []*ssa.Function) bool {
	before, wasActive := len(rt.list), rt.active
	rt.active = p.reachedFunc(r, "reflect", "packEface") || p.reachedFunc(r, "internal/reflectlite", "packEface") ||
		p.missingFunc("reflect", "packEface") || p.missingFunc("internal/reflectlite", "packEface")
	var add func(t types.Type)
	add = func(t types.Type) {
		t = types.Unalias(t)
		if rt.set.At(t) != nil || hasTypeParam(t, 0) {
			return
		}
		rt.set.Set(t, true)
		rt.list = append(rt.list, t)
		eachComponent(t, add)
		if sig, isFunc := t.Underlying().(*types.Signature); isFunc {
			rt.funcTypes = append(rt.funcTypes, sig)
		}
		if _, isPtr := t.Underlying().(*types.Pointer); !isPtr && !types.IsInterface(t) {
			add(types.NewPointer(t))
		}
	}
	for _, fn := range fns {
		for _, b := range fn.Blocks {
			for _, in := range b.Instrs {
				if mi, ok := in.(*ssa.MakeInterface); ok && !onlyForRuntime(mi) {
					add(mi.X.Type())
				}
			}
		}
	}
	for _, t := range rt.list[before:] {
		if types.IsInterface(t) {
			continue
		}
		ms := p.prog.MethodSets.MethodSet(t)
		for i := 0; i < ms.Len(); i++ {
			if fn := p.prog.MethodValue(ms.At(i)); fn != nil {
				rt.byMethod[fn.Name()] = append(rt.byMethod[fn.Name()], fn)
			}
		}
	}
	return len(rt.list) != before || rt.active != wasActive
}

// onlyForRuntime reports whether the interface value mi makes is only
// handed to runtime.KeepAlive or as the object of runtime.SetFinalizer
// with a finalizer that takes it as a concrete type, which never give it
// to Go code as an interface: reflection cannot see it. os/exec.Command boxes every *exec.Cmd for its execwait finalizer,
// and os.startProcess its *os.ProcAttr to keep it alive; neither makes
// their SysProcAttr fields something reflection can set.
func onlyForRuntime(mi *ssa.MakeInterface) bool {
	refs := mi.Referrers()
	if refs == nil || len(*refs) == 0 {
		return false
	}
	for _, ref := range *refs {
		if _, debug := ref.(*ssa.DebugRef); debug {
			continue
		}
		call, ok := ref.(ssa.CallInstruction)
		if !ok {
			return false
		}
		callee := call.Common().StaticCallee()
		if callee == nil || callee.Pkg == nil || callee.Pkg.Pkg.Path() != "runtime" ||
			(callee.Name() != "KeepAlive" && callee.Name() != "SetFinalizer") {
			return false
		}
		args := call.Common().Args
		for i, arg := range args {
			if arg == mi && i != 0 {
				return false // SetFinalizer's finalizer is called with it
			}
		}
		if callee.Name() == "SetFinalizer" && !typedFinalizer(args) {
			return false
		}
	}
	return true
}

// typedFinalizer reports whether the finalizer runtime.SetFinalizer(args)
// registers takes its object as a concrete type: one whose parameter is
// an interface is called with the object boxed in it, which Go code (and
// reflection) can then see.
func typedFinalizer(args []ssa.Value) bool {
	if len(args) != 2 {
		return false
	}
	mi, ok := args[1].(*ssa.MakeInterface)
	if !ok {
		return false
	}
	sig, ok := mi.X.Type().Underlying().(*types.Signature)
	return ok && sig.Params().Len() == 1 && !types.IsInterface(sig.Params().At(0).Type())
}

// eachComponent calls f with each type a value of type t holds directly:
// a pointer's target, a struct's fields, the elements of an array, a
// slice or a channel, a map's keys and values.
func eachComponent(t types.Type, f func(types.Type)) {
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		f(u.Elem())
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			f(u.Field(i).Type())
		}
	case *types.Array:
		f(u.Elem())
	case *types.Slice:
		f(u.Elem())
	case *types.Map:
		f(u.Key())
		f(u.Elem())
	case *types.Chan:
		f(u.Elem())
	}
}

// hasTypeParam reports whether t mentions a type parameter (such types
// have no methods to call at run time; their instances do).
func hasTypeParam(t types.Type, depth int) bool {
	if depth > 8 {
		return false
	}
	switch t := types.Unalias(t).(type) {
	case *types.TypeParam:
		return true
	case *types.Named:
		if t.TypeParams().Len() > 0 && t.TypeArgs().Len() == 0 {
			return true
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			if hasTypeParam(t.TypeArgs().At(i), depth+1) {
				return true
			}
		}
	case *types.Pointer:
		return hasTypeParam(t.Elem(), depth+1)
	case *types.Slice:
		return hasTypeParam(t.Elem(), depth+1)
	case *types.Array:
		return hasTypeParam(t.Elem(), depth+1)
	case *types.Map:
		return hasTypeParam(t.Key(), depth+1) || hasTypeParam(t.Elem(), depth+1)
	case *types.Chan:
		return hasTypeParam(t.Elem(), depth+1)
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			if hasTypeParam(t.Field(i).Type(), depth+1) {
				return true
			}
		}
	case *types.Signature:
		return t.TypeParams().Len() > 0
	}
	return false
}

// extraInvokes returns call edges the call graph misses at fn's interface
// method call site because the receiver may have been made by reflection:
// the method of every reflect-reachable type that implements the
// interface.
func (p *program) extraInvokes(r *reach, fn *ssa.Function, site ssa.CallInstruction) []edge {
	return p.extraInvokesFrom(r, fn, site, 0)
}

// extraInvokesFrom is extraInvokes, looking only at the methods from the
// index from on of those reflection reaches with the site's method name.
func (p *program) extraInvokesFrom(r *reach, fn *ssa.Function, site ssa.CallInstruction, from int) []edge {
	rt := r.rtypes
	if rt == nil || !rt.active {
		return nil
	}
	m := site.Common().Method
	iface, ok := site.Common().Value.Type().Underlying().(*types.Interface)
	if !ok {
		return nil
	}
	var out []edge
	for _, impl := range rt.byMethod[m.Name()][from:] {
		if !sameMethodPkg(m, impl) || !p.implements(impl.Signature.Recv().Type(), iface) {
			continue
		}
		out = append(out, edge{caller: fn, site: site, callee: impl})
	}
	return out
}

// invokeSites returns fn's interface method calls (cached).
func (p *program) invokeSites(fn *ssa.Function) []ssa.CallInstruction {
	if sites, ok := p.invokes[fn]; ok {
		return sites
	}
	var sites []ssa.CallInstruction
	for _, b := range fn.Blocks {
		for _, in := range b.Instrs {
			if call, ok := in.(ssa.CallInstruction); ok && call.Common().IsInvoke() {
				sites = append(sites, call)
			}
		}
	}
	if p.invokes == nil {
		p.invokes = map[*ssa.Function][]ssa.CallInstruction{}
	}
	p.invokes[fn] = sites
	return sites
}

// implements is types.Implements, cached: the same receiver types and
// interfaces are checked again at every walk of the fixed point.
func (p *program) implements(t types.Type, iface *types.Interface) bool {
	k := implKey{t, iface}
	if v, ok := p.implCache[k]; ok {
		return v
	}
	v := types.Implements(t, iface)
	if p.implCache == nil {
		p.implCache = map[implKey]bool{}
	}
	p.implCache[k] = v
	return v
}

type implKey struct {
	t     types.Type
	iface *types.Interface
}

// sameMethodPkg reports whether impl can implement interface method m: an
// unexported method name only matches within its package.
func sameMethodPkg(m *types.Func, impl *ssa.Function) bool {
	if m.Exported() {
		return true
	}
	obj := impl.Object()
	return obj != nil && obj.Pkg() == m.Pkg()
}

// reflectRoots returns the methods and functions reflect.Value.Call can
// call, when it is reachable.
func (p *program) reflectRoots(r *reach) []rootReason {
	return p.reflectRootsOf(r, false)
}

// unreachedReflectRoots is reflectRoots without the functions r has
// reached already: what the walks add as roots. It skips the type
// comparisons and reasons of the others, 100 ms on the 249-package
// benchmark when every call of the walks' loops made them.
func (p *program) unreachedReflectRoots(r *reach) []rootReason {
	return p.reflectRootsOf(r, true)
}

// reflectRootsOf is reflectRoots, without the functions r has reached
// when unreached is set.
func (p *program) reflectRootsOf(r *reach, unreached bool) []rootReason {
	rt := r.rtypes
	if rt == nil || !p.reflectCalls(r) {
		return nil
	}
	var out []rootReason
	names := make([]string, 0, len(rt.byMethod))
	for name := range rt.byMethod {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, fn := range rt.byMethod[name] {
			if unreached && r.funcs[fn] {
				continue
			}
			if fn.Object() != nil && fn.Object().Exported() {
				out = append(out, rootReason{fn, "exported method of a type reflection reaches; reflect.Value.Call is reachable"})
			}
		}
	}
	if len(rt.funcTypes) == 0 {
		return out
	}
	// Every function whose value reachable code makes, with a func type
	// reflection reaches.
	var cands []*ssa.Function
	for target, ts := range p.valueTakers() {
		if (unreached && r.funcs[target]) || !anyIn(ts, r.funcs) {
			continue
		}
		for _, ft := range rt.funcTypes {
			if types.Identical(ft, target.Signature) {
				cands = append(cands, target)
				break
			}
		}
	}
	sort.Slice(cands, func(i, j int) bool { return p.calleeName(cands[i]) < p.calleeName(cands[j]) })
	for _, target := range cands {
		out = append(out, rootReason{target, fmt.Sprintf("its value is made in reachable code and its type %s is one reflection reaches; reflect.Value.Call is reachable", target.Signature)})
	}
	return out
}

// reachedFunc reports whether the package-level function pkg.name is
// reachable.
func (p *program) reachedFunc(r *reach, pkg, name string) bool {
	sp := p.prog.ImportedPackage(pkg)
	if sp == nil {
		return false
	}
	fn := sp.Func(name)
	return fn != nil && r.funcs[fn]
}

// reachedMethod reports whether method name of pkg.typ (value or pointer
// receiver) is reachable.
func (p *program) reachedMethod(r *reach, pkg, typ, name string) bool {
	sp := p.prog.ImportedPackage(pkg)
	if sp == nil {
		return false
	}
	t, ok := sp.Members[typ].(*ssa.Type)
	if !ok {
		return false
	}
	for _, recv := range []types.Type{t.Type(), types.NewPointer(t.Type())} {
		ms := p.prog.MethodSets.MethodSet(recv)
		if sel := ms.Lookup(sp.Pkg, name); sel != nil {
			if fn := p.prog.MethodValue(sel); fn != nil && r.funcs[fn] {
				return true
			}
		}
	}
	return false
}

// reflectCalls reports whether reflection can call functions and methods:
// reflect.Value's Call, CallSlice, Method or MethodByName is reachable.
func (p *program) reflectCalls(r *reach) bool {
	for _, m := range []string{"Call", "CallSlice", "Method", "MethodByName"} {
		if p.reachedMethod(r, "reflect", "Value", m) {
			return true
		}
	}
	return false
}

// missingFunc reports whether package pkg is in the program but has no
// function name: a toolchain whose internals moved. Checks that depend on
// such a name then assume the worst.
func (p *program) missingFunc(pkg, name string) bool {
	sp := p.prog.ImportedPackage(pkg)
	return sp != nil && sp.Func(name) == nil
}
