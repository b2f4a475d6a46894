package analyzer

import (
	"fmt"
	"go/types"
	"maps"
	"slices"
	"sort"

	"golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/callgraph/rta"
	"golang.org/x/tools/go/callgraph/vta"
	"golang.org/x/tools/go/ssa"
)

// edge is one call from caller to callee. site is nil for an edge that is
// not an SSA call instruction: a //go:linkname declaration to its
// implementation, or an assembly JMP or CALL (see kind).
type edge struct {
	caller *ssa.Function
	site   ssa.CallInstruction
	callee *ssa.Function
	kind   edgeKind
}

// edgeKind says how an edge was found.
type edgeKind uint8

const (
	edgeCall    edgeKind = iota // an SSA call instruction (or a synthetic root)
	edgeLink                    // a //go:linkname declaration to its implementation
	edgeAsmJump                 // an assembly tail call (JMP): arguments forwarded
	edgeAsmCall                 // an assembly CALL: arguments unknown
)

// reach is the part of the program reachable from a main package's roots,
// with the call edges between reachable functions. Calls into package
// runtime end the walk (the runtime profile covers the runtime's syscalls);
// they are kept in runtimeCalls.
type reach struct {
	roots   []*ssa.Function
	rootWhy map[*ssa.Function]string // why a function is a root
	funcs   map[*ssa.Function]bool
	succ    map[*ssa.Function][]edge
	pred    map[*ssa.Function][]edge
	parent  map[*ssa.Function]edge // BFS tree: the edge that first reached a function
	// runtimeCalls are the edges from reachable code into package runtime.
	runtimeCalls []edge
	// warnings found while walking (callbacks whose target is unknown).
	warnings []string
	// rtypes are the types reflection can reach from funcs, see
	// reflect.go; they grow with the walk that builds the reach.
	rtypes *rtypes
	// cgoFuncs are the reachable cgo wrappers of known libc functions,
	// once cgoFound; see cgoWrappers.
	cgoFuncs []cgoWrapper
	cgoFound bool
	// receivers answers which types interface calls' receivers can hold
	// (see typeflow.go), made on first use once the reach is complete.
	receivers *typeFlow
	// refused are the call sites with an edge the walk did not take
	// because it cannot be taken (see narrowReach).
	refused map[ssa.CallInstruction]bool
	// callFolds and fieldBits cache csWalker.foldCall for calls without
	// constant arguments and csWalker.fieldBits.
	callFolds map[*ssa.Function]callFold
	fieldBits map[slotKey]fieldBitsFact
	// nilFields caches csWalker.nilField per field.
	nilFields map[slotKey]bool
	// valueAnswers caches funcValuesOnce.
	valueAnswers map[ssa.Value]*funcValuesAnswer
}

// isRuntime reports whether fn belongs to package runtime.
func isRuntime(fn *ssa.Function) bool {
	p := pkgOf(fn)
	return p != nil && p.Pkg.Path() == "runtime"
}

// pkgOf returns fn's package, that of the generic function for an instance.
func pkgOf(fn *ssa.Function) *ssa.Package {
	if fn.Pkg != nil {
		return fn.Pkg
	}
	if o := fn.Origin(); o != nil && o.Pkg != nil {
		return o.Pkg
	}
	// Wrappers and thunks: the package of the method they wrap.
	if obj, ok := fn.Object().(*types.Func); ok && obj.Pkg() != nil {
		return fn.Prog.ImportedPackage(obj.Pkg().Path())
	}
	return nil
}

// successors returns the callees of fn in g, or in the fallback graph when
// g did not analyse fn (a function that only became reachable after g was
// built, e.g. a callback root).
func successors(fn *ssa.Function, g, fallback *callgraph.Graph, analysed map[*ssa.Function]bool) []*callgraph.Edge {
	if analysed == nil || analysed[fn] {
		if n := g.Nodes[fn]; n != nil {
			return n.Out
		}
		return nil
	}
	if n := fallback.Nodes[fn]; n != nil {
		return n.Out
	}
	return nil
}

// maxRefinements bounds the walks buildReach repeats with the callees
// receiverTypes admits; each one is sound on its own, so stopping early
// only costs precision. The second walk costs about 0.3 s on the
// 249-package benchmark, where it drops 5 of 14,446 functions, but it is
// the one that takes net's splice path and internal/poll's pipe pool
// (pipe2) out of examples/webserver: the first leaves them reachable.
const maxRefinements = 2

// narrowReach walks the edges of wide again from roots, following a call
// instruction's edge only when admit admits it, and a call through a func
// value only once code that makes the value is reached (as walk does);
// then, as walk does, from the callbacks and the methods reflection can
// call that the narrower reach still has. The types reflection reaches and
// the edges reflection adds at interface calls are wide's: found on a
// wider reach, they can only be more than the narrower one needs.
func (p *program) narrowReach(wide *reach, roots []*ssa.Function, admit func(ssa.CallInstruction, *ssa.Function) bool) *reach {
	w := &walker{
		admit: admit, from: wide,
		p: p,
		r: &reach{
			rootWhy: maps.Clone(wide.rootWhy),
			funcs:   make(map[*ssa.Function]bool, len(wide.funcs)),
			succ:    make(map[*ssa.Function][]edge, len(wide.succ)),
			pred:    make(map[*ssa.Function][]edge, len(wide.pred)),
			parent:  make(map[*ssa.Function]edge, len(wide.parent)),
			rtypes:  wide.rtypes,
		},
		fromRuntime: map[*ssa.Function][]edge{},
		takers:      p.valueTakers(),
		pending:     map[*ssa.Function][]edge{},
		seen:        make(map[edgeKey]bool, wide.edges()),
	}
	for _, e := range wide.runtimeCalls {
		w.fromRuntime[e.caller] = append(w.fromRuntime[e.caller], e)
	}
	w.r.warnings = wide.warnings
	for _, fn := range roots {
		w.addRoot(fn)
	}
	w.run()
	for {
		var more []rootReason
		for _, x := range append(p.callbacks(w.r), p.unreachedReflectRoots(w.r)...) {
			if !w.r.funcs[x.fn] {
				more = append(more, x)
			}
		}
		if len(more) == 0 {
			return w.r
		}
		for _, x := range more {
			if w.r.rootWhy[x.fn] == "" {
				w.r.rootWhy[x.fn] = x.why
			}
			w.addRoot(x.fn)
		}
		w.run()
	}
}

// edges returns the number of r's call edges, those into the runtime
// included.
func (r *reach) edges() int {
	n := len(r.runtimeCalls)
	for _, es := range r.succ {
		n += len(es)
	}
	return n
}

// vtaReach walks from roots over the VTA call graph of the functions a
// walk over CHA's graph reaches, falling back to CHA's edges for the
// functions VTA did not analyse.
//
// VTA follows values only through the functions it is given, so its
// edges hold for the program only if every function the walk over them
// reaches is among those: the loop checks that, and runs VTA again over
// the union when it is not. For the interface calls reflection can make
// (reflectInvokes), the walk over CHA takes every receiver for one
// reflection may have made: a superset of the functions, without the
// hidden-flow passes that decide which receivers can hold such values
// (0.5 s of the seed walk's 1.1 s on the 249-package benchmark). Leaving
// those calls out of the seed altogether was as fast there, but
// nats-server's walk over VTA's edges then reached promoted methods of
// anonymous structs (struct{sync.Mutex; ...}.Lock) VTA had not analysed,
// and VTA ran twice: 11.0-12.1 s against 9.3-9.7 s.
func (p *program) vtaReach(roots []*ssa.Function, why map[*ssa.Function]string) *reach {
	r, _ := p.vtaClosed(roots, why, p.walkWith(roots, why, p.cha, nil, true).funcs)
	return r
}

// vtaClosed walks from roots over the VTA call graph of analysed, and
// again over that of the union as long as the walk reaches functions
// outside it; see vtaReach. It returns the reach and the functions VTA
// analysed for it.
func (p *program) vtaClosed(roots []*ssa.Function, why map[*ssa.Function]string, analysed map[*ssa.Function]bool) (*reach, map[*ssa.Function]bool) {
	for {
		g := vta.CallGraph(analysed, p.cha)
		r := p.walk(roots, why, g, analysed)
		var outside []*ssa.Function
		for fn := range r.funcs {
			if !analysed[fn] {
				outside = append(outside, fn)
			}
		}
		if len(outside) == 0 {
			return r, analysed
		}
		analysed = maps.Clone(analysed)
		for _, fn := range outside {
			analysed[fn] = true
		}
	}
}

// walk computes what is reachable from roots over g (falling back to cha for
// functions g did not analyse), following linkname and assembly edges, and
// adding the callbacks the program hands to the runtime and what reflection
// can call as new roots, until nothing changes. The walk is incremental:
// new roots and new reflect-reachable types extend the same reach.
func (p *program) walk(roots []*ssa.Function, rootWhy map[*ssa.Function]string, g *callgraph.Graph, analysed map[*ssa.Function]bool) *reach {
	return p.walkWith(roots, rootWhy, g, analysed, false)
}

// walkWith is walk; with seed, it computes only the set of functions (for
// VTA, see vtaReach): it adds the methods reflection may call at every
// interface call, not only at those whose receiver can hold a value made
// by reflection, and it does not order the edges, which only the paths of
// the reach depend on.
func (p *program) walkWith(roots []*ssa.Function, rootWhy map[*ssa.Function]string, g *callgraph.Graph, analysed map[*ssa.Function]bool, seed bool) *reach {
	// The walk over g's edges reaches about the functions g analysed,
	// with about six edges each (on the 249-package benchmark, 14,620 of
	// 16,033 with 86,000 edges): the maps are made that size at once,
	// not grown step by step.
	n := len(analysed)
	w := &walker{
		p: p, g: g, analysed: analysed, seed: seed,
		r: &reach{
			rootWhy: make(map[*ssa.Function]string, len(rootWhy)),
			funcs:   make(map[*ssa.Function]bool, n),
			succ:    make(map[*ssa.Function][]edge, n),
			pred:    make(map[*ssa.Function][]edge, n),
			parent:  make(map[*ssa.Function]edge, n),
		},
		takers:  p.valueTakers(),
		pending: map[*ssa.Function][]edge{},
		seen:    make(map[edgeKey]bool, 6*n),
	}
	r := w.r
	for k, v := range rootWhy {
		r.rootWhy[k] = v
	}
	for _, fn := range roots {
		w.addRoot(fn)
	}
	for {
		w.run()
		added := false
		for _, cb := range p.callbacks(r) {
			if !r.funcs[cb.fn] {
				if r.rootWhy[cb.fn] == "" {
					r.rootWhy[cb.fn] = cb.why
				}
				w.addRoot(cb.fn)
				added = true
			}
		}
		// The types reflection reaches grow with what is reachable: when
		// they do, every reached interface call is looked at again.
		if r.rtypes == nil {
			r.rtypes = &rtypes{byMethod: map[string][]*ssa.Function{}}
		}
		fresh := w.rtFuncs(r)
		if r.rtypes.extend(p, r, fresh) {
			added = true
		}
		for _, x := range p.unreachedReflectRoots(r) {
			if !r.funcs[x.fn] {
				if r.rootWhy[x.fn] == "" {
					r.rootWhy[x.fn] = x.why
				}
				w.addRoot(x.fn)
				added = true
			}
		}
		if !added && len(w.queue) == 0 {
			// Last, the interface calls that can receive a value made by
			// reflection, decided on the whole reach: the edges they add
			// can make more receivers such (new callers, new stores).
			if w.reflectInvokes() {
				continue
			}
			return r
		}
	}
}

// rtFuncs returns the reached functions whose MakeInterfaces the walk's
// rtypes has not read yet, in a stable order.
func (w *walker) rtFuncs(r *reach) []*ssa.Function {
	if w.rtRead == nil {
		w.rtRead = map[*ssa.Function]bool{}
	}
	fresh := map[*ssa.Function]bool{}
	for fn := range r.funcs {
		if !w.rtRead[fn] {
			w.rtRead[fn] = true
			fresh[fn] = true
		}
	}
	return w.p.sortedFuncs(fresh)
}

// reflectInvokes adds, at every reached interface method call whose
// receiver can hold a value made by reflection (see hiddenFlow), the
// methods extraInvokes finds, and reports whether that added an edge.
func (w *walker) reflectInvokes() bool {
	r := w.r
	if r.rtypes == nil || !r.rtypes.active {
		return false
	}
	if w.seed {
		// Every receiver counts as hidden, which gives a superset of the
		// functions without the hidden-flow passes; and only the
		// functions matter, not the edges. The methods reflection
		// reaches only grow, so each site looks only at those added
		// since the pass before.
		if w.seedExamined == nil {
			w.seedExamined = map[ssa.CallInstruction]int{}
		}
		for _, fn := range slices.Collect(maps.Keys(r.funcs)) {
			for _, site := range w.p.invokeSites(fn) {
				from, n := w.seedExamined[site], len(r.rtypes.byMethod[site.Common().Method.Name()])
				if from == n {
					continue
				}
				w.seedExamined[site] = n
				for _, e := range w.p.extraInvokesFrom(r, fn, site, from) {
					if !r.funcs[e.callee] && !isRuntime(e.callee) {
						w.reached(e.callee)
					}
				}
			}
		}
		return len(w.queue) > 0
	}
	before := len(w.seen)
	h := w.p.newHiddenFlow(r)
	for _, fn := range w.p.sortedFuncs(r.funcs) {
		for _, site := range w.p.invokeSites(fn) {
			if h.receiverHidden(site) {
				for _, e := range w.p.extraInvokes(r, fn, site) {
					w.visit(e)
				}
			}
		}
	}
	return len(w.seen) != before || len(w.queue) > 0
}

// walker is the state of one incremental walk.
type walker struct {
	// admit, when set, says whether a call instruction reaches a callee.
	admit func(ssa.CallInstruction, *ssa.Function) bool
	// from, when set, is the reach whose edges the walk follows instead
	// of the call graph's (see narrowReach), with its calls into the
	// runtime by caller.
	from        *reach
	fromRuntime map[*ssa.Function][]edge
	p           *program
	g           *callgraph.Graph
	analysed    map[*ssa.Function]bool
	r           *reach
	queue       []*ssa.Function
	takers      map[*ssa.Function][]*ssa.Function
	// pending holds calls through a function value whose callee's value
	// is only made in functions not reached yet, keyed by those functions.
	pending map[*ssa.Function][]edge
	seen    map[edgeKey]bool
	// rtRead are the functions whose MakeInterfaces r.rtypes holds.
	rtRead map[*ssa.Function]bool
	// seed is set for the walk whose functions VTA analyses: see walkWith.
	seed bool
	// seedExamined counts, per interface call site, the methods of
	// r.rtypes.byMethod the seed walk has added edges for.
	seedExamined map[ssa.CallInstruction]int
	// seedRuntimeSites are the call sites with an edge into the runtime
	// the seed walk has kept (see visitSeed).
	seedRuntimeSites map[ssa.CallInstruction]bool
}

type edgeKey struct {
	caller, callee *ssa.Function
	site           ssa.CallInstruction
}

// addRoot makes fn a root.
func (w *walker) addRoot(fn *ssa.Function) {
	if !w.r.funcs[fn] {
		w.r.roots = append(w.r.roots, fn)
		w.reached(fn)
	}
}

// reached records that fn is reachable and releases the calls that waited
// for it to make a function value.
func (w *walker) reached(fn *ssa.Function) {
	w.r.funcs[fn] = true
	w.queue = append(w.queue, fn)
	if waiting := w.pending[fn]; len(waiting) > 0 {
		delete(w.pending, fn)
		for _, e := range waiting {
			w.visit(e)
		}
	}
}

// visit adds the call edge e.
func (w *walker) visit(e edge) {
	if w.seed {
		w.visitSeed(e)
		return
	}
	k := edgeKey{e.caller, e.callee, e.site}
	if w.seen[k] {
		return
	}
	r := w.r
	if w.admit != nil && e.site != nil && !w.admit(e.site, e.callee) {
		w.seen[k] = true
		if r.refused == nil {
			r.refused = map[ssa.CallInstruction]bool{}
		}
		r.refused[e.site] = true
		return
	}
	if isRuntime(e.callee) {
		w.seen[k] = true
		r.runtimeCalls = append(r.runtimeCalls, e)
		return
	}
	if w.waitsForValue(e) {
		return
	}
	w.seen[k] = true
	r.succ[e.caller] = append(r.succ[e.caller], e)
	r.pred[e.callee] = append(r.pred[e.callee], e)
	if !r.funcs[e.callee] {
		r.parent[e.callee] = e
		w.reached(e.callee)
	}
}

// waitsForValue reports whether e is a call through a func value whose
// callee's value no reached function makes yet, and if so holds e back
// until one of the functions that make it is reached. A call through a
// func value reaches a function only if code that makes that value (a
// closure's parent, a method value's MakeClosure, a function used as a
// value) has run. An empty list of takers is a value kept only in package
// variables nothing reads: no call through a value reaches it.
func (w *walker) waitsForValue(e edge) bool {
	if e.site == nil || e.site.Common().StaticCallee() != nil || e.site.Common().IsInvoke() {
		return false
	}
	ts, known := w.takers[e.callee]
	if !known || anyIn(ts, w.r.funcs) {
		return false
	}
	for _, t := range ts {
		w.pending[t] = append(w.pending[t], e)
	}
	return true
}

// visitSeed is visit for the seed walk, which needs the functions, the
// edges into each (callbacks and funcValues read them) and the calls into
// the runtime, not the edges out of each or the paths: it keeps no record
// of the edges it has seen, as it meets each edge once (each function's
// edges when the function is reached, a pending call when its value is
// made).
func (w *walker) visitSeed(e edge) {
	r := w.r
	if isRuntime(e.callee) {
		// One edge per call site: callbacks reads a site's arguments
		// once, whichever runtime function it calls (a dynamic site of
		// CHA's graph calls dozens: 60,000 edges from 1,000 sites on the
		// 249-package benchmark).
		if e.site != nil {
			if w.seedRuntimeSites[e.site] {
				return
			}
			if w.seedRuntimeSites == nil {
				w.seedRuntimeSites = map[ssa.CallInstruction]bool{}
			}
			w.seedRuntimeSites[e.site] = true
		}
		r.runtimeCalls = append(r.runtimeCalls, e)
		return
	}
	if w.waitsForValue(e) {
		return
	}
	r.pred[e.callee] = append(r.pred[e.callee], e)
	if !r.funcs[e.callee] {
		w.reached(e.callee)
	}
}

// run processes the queue breadth first, so that parent edges give
// shortest paths.
func (w *walker) run() {
	p := w.p
	for len(w.queue) > 0 {
		fn := w.queue[0]
		w.queue = w.queue[1:]
		if w.from != nil {
			for _, e := range w.from.succ[fn] {
				w.visit(e)
			}
			for _, e := range w.fromRuntime[fn] {
				w.visit(e)
			}
			continue
		}
		if target, ok := p.links[fn]; ok {
			w.visit(edge{caller: fn, callee: target, kind: edgeLink})
		}
		if fn.Blocks == nil {
			for _, e := range p.asmEdges(fn) {
				w.visit(e)
			}
		}
		out := successors(fn, w.g, p.cha, w.analysed)
		if w.seed {
			for _, e := range out {
				w.visit(edge{caller: fn, site: e.Site, callee: e.Callee.Func})
			}
			continue
		}
		// Visit in source order, and the callees of one site by name, so
		// that the shortest paths are stable: the call graph's edges of a
		// dynamic site come in no fixed order.
		sorted := append([]*callgraph.Edge(nil), out...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Site.Pos() < sorted[j].Site.Pos() })
		p.sortCallees(sorted)
		for _, e := range sorted {
			w.visit(edge{caller: fn, site: e.Site, callee: e.Callee.Func})
		}
	}
}

// sortCallees sorts each run of edges with the same site in edges (sorted
// by site) by the callee's name. (Positions order the sites of one
// function, which are in one file; the callees are in files parsed
// concurrently, whose positions come in no fixed order.)
func (p *program) sortCallees(edges []*callgraph.Edge) {
	for i := 0; i < len(edges); {
		j := i + 1
		for j < len(edges) && edges[j].Site == edges[i].Site {
			j++
		}
		if j-i > 1 {
			run := edges[i:j]
			sort.SliceStable(run, func(a, b int) bool { return p.calleeName(run[a].Callee.Func) < p.calleeName(run[b].Callee.Func) })
		}
		i = j
	}
}

// calleeName returns fn.String(), computed once per function.
func (p *program) calleeName(fn *ssa.Function) string {
	return p.order.name(fn)
}

// rootReason is a function that must be a root and why.
type rootReason struct {
	fn  *ssa.Function
	why string
}

// callbacks returns the functions that reachable code passes to the runtime
// (finalizers, cleanups, timer functions): the runtime calls them, so the
// call graph cannot see the call. Every function value among the arguments
// of a call into package runtime is traced back to the functions it can be.
func (p *program) callbacks(r *reach) []rootReason {
	var out []rootReason
	seen := make(map[*ssa.Function]bool)
	// A linkname edge into the runtime (time.newTimer is runtime.newTimer)
	// has no site: the arguments are those of the calls to the declaration.
	var sites []edge
	for _, e := range r.runtimeCalls {
		if e.site != nil {
			sites = append(sites, e)
			continue
		}
		for _, pe := range r.pred[e.caller] {
			if pe.site != nil {
				sites = append(sites, edge{caller: pe.caller, site: pe.site, callee: e.callee})
			}
		}
	}
	// A function whose code address is taken with internal/abi.FuncPCABI0
	// or FuncPCABIInternal (reflect.MakeFunc's makeFuncStub, method value
	// trampolines) is entered from assembly or the runtime.
	for _, name := range []string{"FuncPCABI0", "FuncPCABIInternal"} {
		if abi := p.prog.ImportedPackage("internal/abi"); abi != nil {
			if fn := abi.Func(name); fn != nil {
				for _, e := range r.pred[fn] {
					if e.site != nil {
						sites = append(sites, edge{caller: e.caller, site: e.site, callee: fn})
					}
				}
			}
		}
	}
	// A site is looked at once: its arguments are the same whatever
	// runtime function it calls (a dynamic site of the walk over CHA's
	// graph calls dozens: on the 249-package benchmark, 60,000 edges from
	// 1,000 sites), and its first callee names it in the reasons.
	done := map[ssa.CallInstruction]bool{}
	for _, e := range sites {
		if done[e.site] {
			continue
		}
		done[e.site] = true
		for _, arg := range e.site.Common().Args {
			if !mayHoldFunc(arg.Type()) {
				continue
			}
			fns, unknown := p.funcValuesOnce(r, arg)
			for _, fn := range fns {
				if !seen[fn] {
					seen[fn] = true
					out = append(out, rootReason{fn, fmt.Sprintf("passed to %s at %s", e.callee.RelString(nil), p.pos(e.site.Pos()))})
				}
			}
			// A func-typed argument whose source cannot be traced may be
			// any function of its type whose value reachable code makes.
			// (An interface or pointer argument, KeepAlive's or the object
			// of SetFinalizer, is data.)
			if sig, isFunc := arg.Type().Underlying().(*types.Signature); isFunc && unknown != "" {
				for _, fn := range p.funcsOfType(r, sig) {
					if !seen[fn] {
						seen[fn] = true
						out = append(out, rootReason{fn, fmt.Sprintf("may be passed to %s at %s (the value %s)", e.callee.RelString(nil), p.pos(e.site.Pos()), unknown)})
					}
				}
			}
		}
	}
	return out
}

// mayHoldFunc reports whether a value of type t can carry a function value:
// a func, an interface, or a pointer (the runtime's unsafe.Pointer arguments).
func mayHoldFunc(t types.Type) bool {
	switch u := t.Underlying().(type) {
	case *types.Signature, *types.Interface:
		return true
	case *types.Basic:
		return u.Kind() == types.UnsafePointer
	}
	return false
}

// funcValuesOnce is funcValues, remembered on r while r grows. A walk
// asks callbacks after each round, and on the walk over CHA's graph each
// time traced a thousand call sites through every caller CHA gives (50-80
// ms a time on the 249-package benchmark). An answer depends on r only
// through the calls of the functions whose parameters it traced, and a
// walk only adds calls, so it holds while none of those gained one.
func (p *program) funcValuesOnce(r *reach, v ssa.Value) ([]*ssa.Function, string) {
	if a, ok := r.valueAnswers[v]; ok && a.holds(r) {
		return a.fns, a.unknown
	}
	a := &funcValuesAnswer{read: map[*ssa.Function]int{}}
	a.fns, a.unknown = p.funcValuesWith(v, func(fn *ssa.Function) []ssa.CallInstruction {
		a.read[fn] = len(r.pred[fn])
		return r.callSites(fn)
	})
	if r.valueAnswers == nil {
		r.valueAnswers = map[ssa.Value]*funcValuesAnswer{}
	}
	r.valueAnswers[v] = a
	return a.fns, a.unknown
}

// funcValuesAnswer is an answer of funcValues and, for each function whose
// calls it read, how many edges into it r had then.
type funcValuesAnswer struct {
	fns     []*ssa.Function
	unknown string
	read    map[*ssa.Function]int
}

// holds reports whether no function whose calls a read has gained an
// edge in r since.
func (a *funcValuesAnswer) holds(r *reach) bool {
	for fn, n := range a.read {
		if len(r.pred[fn]) != n {
			return false
		}
	}
	return true
}

// funcValues traces v back to the functions it can hold, through every
// operation the value tracer follows (callers' arguments included).
// unknown describes a source that cannot be traced (empty when every
// source was found). A nil constant, a closure that is never made, a
// parameter of a function nobody calls and a package variable never
// assigned hold no function.
func (p *program) funcValues(r *reach, v ssa.Value) (fns []*ssa.Function, unknown string) {
	return p.funcValuesWith(v, r.callSites)
}

// funcValuesWith is funcValues with callers listing the calls of a
// function.
func (p *program) funcValuesWith(v ssa.Value, callers func(*ssa.Function) []ssa.CallInstruction) (fns []*ssa.Function, unknown string) {
	rules := flowRules{interfaces: true, conversions: true, freeVars: true, cells: true, callers: callers}
	p.values().trace(v, rules, func(s source) bool {
		if fn, ok := funcOf(s.v); ok {
			fns = append(fns, fn)
			return true
		}
		if unknown != "" {
			return true
		}
		switch s.kind {
		case sourceEscaping:
			unknown = p.values().describe(s.v)
		case sourceValue:
			switch s.v.(type) {
			case *ssa.Const:
			case *ssa.UnOp:
				unknown = p.values().describe(s.v)
			default:
				unknown = fmt.Sprintf("%s (%T)", s.v.Name(), s.v)
			}
		}
		return true
	})
	return fns, unknown
}

// callSites returns the call instructions of the edges into fn.
func (r *reach) callSites(fn *ssa.Function) []ssa.CallInstruction {
	var out []ssa.CallInstruction
	for _, e := range r.pred[fn] {
		if e.site != nil {
			out = append(out, e.site)
		}
	}
	return out
}

// buildReach computes the reachable program of the main package with call
// graph algorithm callGraph (one of Config.CallGraph's values).
func (p *program) buildReach(callGraph string) (*reach, error) {
	mainPkg := p.mainPkg
	roots := []*ssa.Function{}
	why := map[*ssa.Function]string{}
	if fn := mainPkg.Func("init"); fn != nil {
		roots = append(roots, fn)
		why[fn] = "package initialisation (runs the init of every imported package)"
	}
	mainFn := mainPkg.Func("main")
	if mainFn == nil {
		return nil, fmt.Errorf("analyzer: package %s has no func main", mainPkg.Pkg.Path())
	}
	roots = append(roots, mainFn)
	why[mainFn] = "program entry"

	switch callGraph {
	case CallGraphCHA:
		return p.walk(roots, why, p.cha, nil), nil
	case CallGraphRTA:
		return p.rtaReach(roots, why), nil
	case "", CallGraphVTA:
		// VTA over what CHA reaches, then the walk again over VTA's graph.
		// A second VTA round (govulncheck's recipe) found nothing more on
		// the fixtures and the 249-package benchmark and costs ~1.5 s.
		r := p.vtaReach(roots, why)
		// Then the reach again without the interface callees no value
		// reaching their receiver can select (see typeflow.go) and the
		// calls in blocks that cannot run (see branch.go), while that
		// removes any (narrowReach): what they reached
		// (net.TCPConn.WriteTo's io.Copy of a tcpConnWithoutWriteTo,
		// net.spliceFrom's splice) no longer adds its types and
		// function values.
		for range maxRefinements {
			admit := p.refinedEdges(r, mainFn)
			if !p.dropsEdges(r, admit) {
				break
			}
			r = p.narrowReach(r, roots, admit)
			// Liveness was decided with the facts of the wider reach:
			// sound, but the narrower one can fold more.
			p.forgetReachLiveness()
		}
		return r, nil
	}
	return nil, fmt.Errorf("analyzer: unknown call graph %q: use %q, %q or %q", callGraph, CallGraphVTA, CallGraphCHA, CallGraphRTA)
}

// rtaReach runs RTA from the roots, adding the implementations of reachable
// linkname declarations and runtime callbacks as roots until nothing
// changes (RTA itself sees neither).
func (p *program) rtaReach(roots []*ssa.Function, why map[*ssa.Function]string) *reach {
	for {
		res := rta.Analyze(roots, true)
		r := p.walk(roots, why, res.CallGraph, nil)
		analysed := make(map[*ssa.Function]bool, len(res.Reachable))
		for fn := range res.Reachable {
			analysed[fn] = true
		}
		added := false
		for fn := range r.funcs {
			if !analysed[fn] {
				roots = append(roots, fn)
				added = true
			}
		}
		if !added {
			return p.walk(roots, r.rootWhy, res.CallGraph, analysed)
		}
	}
}

// anyIn reports whether any of fns is in set.
func anyIn(fns []*ssa.Function, set map[*ssa.Function]bool) bool {
	for _, fn := range fns {
		if set[fn] {
			return true
		}
	}
	return false
}

// valueTakers maps each function to the functions that make a value of it:
// a MakeClosure of it, or a use of it as an operand other than the callee
// of a direct call. A call through a func value can only reach a function
// after one of these has run. Computed once per program, by a scan of
// its instructions that also fills invokeSites' cache.
//
// A value that is only stored into a field of a package variable (the New
// of a package-level sync.Pool, a table of handlers built in init) is
// made, for a call through a func value, by the code that reads that
// variable: until a function that refers to the variable other than to
// store into its fields is reached, nothing can load the value from there
// (see globalFieldStore). Its takers are those functions instead of the
// package initialiser that stores it.
func (p *program) valueTakers() map[*ssa.Function][]*ssa.Function {
	if p.takers != nil {
		return p.takers
	}
	takers := map[*ssa.Function][]*ssa.Function{}
	seen := map[[2]*ssa.Function]bool{}
	note := func(fn, taker *ssa.Function) {
		if k := [2]*ssa.Function{fn, taker}; !seen[k] {
			seen[k] = true
			takers[fn] = append(takers[fn], taker)
		}
	}
	// storedIn[fn] are the package variables into whose fields fn's value
	// is stored; readers[g] the functions that refer to g other than to
	// store into its fields.
	gf := globalFields{linked: p.linked}
	storedIn := map[*ssa.Function][]*ssa.Global{}
	readers := map[*ssa.Global][]*ssa.Function{}
	readerSeen := map[*ssa.Global]map[*ssa.Function]bool{}
	var ops []*ssa.Value // reused: Operands appends to it
	// The same scan lists each function's interface method calls (see
	// invokeSites), which the walks would otherwise find function by
	// function: 45 ms on the 249-package benchmark.
	all := p.values().functions()
	invokes := make(map[*ssa.Function][]ssa.CallInstruction, len(all))
	for fn := range all {
		var sites []ssa.CallInstruction
		for _, b := range fn.Blocks {
			for _, in := range b.Instrs {
				var direct ssa.Value
				if c, ok := in.(ssa.CallInstruction); ok {
					if c.Common().IsInvoke() {
						sites = append(sites, c)
					} else {
						direct = c.Common().Value
					}
				}
				ops = in.Operands(ops[:0])
				for _, op := range ops {
					switch v := (*op).(type) {
					case *ssa.Function:
						if ssa.Value(v) == direct && op == &in.(ssa.CallInstruction).Common().Value {
							continue
						}
						if g := gf.storedIntoField(in, v); g != nil {
							storedIn[v] = append(storedIn[v], g)
							continue
						}
						if mc, ok := in.(*ssa.MakeClosure); ok && v == mc.Fn {
							if g := gf.closureOnlyInField(mc); g != nil {
								storedIn[v] = append(storedIn[v], g)
								continue
							}
						}
						note(v, fn)
					case *ssa.MakeClosure:
						if gf.closureOnlyInField(v) == nil {
							note(v.Fn.(*ssa.Function), fn)
						}
					case *ssa.Global:
						if !isGlobalFieldStoreAddr(in) && !isStoreInto(in, v) {
							if readerSeen[v] == nil {
								readerSeen[v] = map[*ssa.Function]bool{}
							}
							if !readerSeen[v][fn] {
								readerSeen[v][fn] = true
								readers[v] = append(readers[v], fn)
							}
						}
					}
				}
			}
		}
		invokes[fn] = sites
	}
	for fn, gs := range storedIn {
		if _, ok := takers[fn]; !ok {
			takers[fn] = []*ssa.Function{} // known: none, unless a reader is noted
		}
		for _, g := range gs {
			for _, r := range readers[g] {
				note(fn, r)
			}
		}
	}
	if p.invokes == nil {
		p.invokes = invokes
	} else {
		for fn, sites := range invokes {
			p.invokes[fn] = sites
		}
	}
	p.takers = takers
	return takers
}

// funcsOfType returns the functions with signature sig whose value
// reachable code makes, in a stable order.
func (p *program) funcsOfType(r *reach, sig *types.Signature) []*ssa.Function {
	var out []*ssa.Function
	for fn, ts := range p.valueTakers() {
		if anyIn(ts, r.funcs) && types.Identical(fn.Signature, sig) {
			out = append(out, fn)
		}
	}
	sort.Slice(out, func(i, j int) bool { return p.calleeName(out[i]) < p.calleeName(out[j]) })
	return out
}
