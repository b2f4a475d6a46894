package analyzer

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// selfsandboxPath is the import path of the package whose Lock installs the
// filter.
const selfsandboxPath = "github.com/sandboxgen/sandboxgen/selfsandbox"

// lockNames are the functions of selfsandbox that install the filter.
var lockNames = []string{"Lock", "MustLock", "LockWith"}

// afterLock is the code that can run once the filter is in force: the
// functions that may run (in part) after Lock returns, and the call
// instructions of main.main that may execute after the Lock call.
type afterLock struct {
	lockCall *ssa.Call
	mainFn   *ssa.Function
	// helper, when Lock is called from a helper main.main calls (lockCall
	// is then main's call of the helper), is that helper; mainSites then
	// holds its calls after its Lock call (and its defers) too.
	helper *ssa.Function
	// mainSites are the calls of main.main that may run under the filter:
	// those after the Lock call (go statements included) and every defer
	// (deferred calls run when main returns). Its go statements before
	// Lock are in started.
	mainSites map[ssa.CallInstruction]bool
	// funcs are the functions that may run under the filter.
	funcs map[*ssa.Function]bool
	// walk is the walk that found funcs, for call paths.
	walk *csWalker
	// mainDead reports whether a call of main.main is in a block that
	// cannot run.
	mainDead func(ssa.CallInstruction) bool
	// before is the walk of the code before Lock.
	before *csWalker
	// started are the goroutines the code before Lock starts, one per go
	// statement, each with a walk of its own code. Their code is not in
	// funcs: what they need beyond it is allowed only when Lock finds one
	// of them still running (see Program.Outliving).
	started []*preLockGo
}

// preLockGo is a go statement that may run before Lock, with the code
// the goroutines it starts may run.
type preLockGo struct {
	site ssa.CallInstruction
	from *ssa.Function
	walk *csWalker
	// needs are the syscalls the walked code needs, by number.
	needs map[uint64]Need
}

// live reports whether a syscall number supplied at site in caller (site is
// nil for an assembly function's own syscall) may be used under the filter.
func (locked *afterLock) live(caller *ssa.Function, site ssa.CallInstruction) bool {
	if locked.funcs[caller] {
		return site == nil || locked.walk.blockLive(caller, site.Block())
	}
	if _, isGo := site.(*ssa.Go); isGo {
		// A goroutine started before Lock may make the call after it.
		return true
	}
	return (caller == locked.mainFn || (caller == locked.helper && caller != nil)) && site != nil && locked.mainSites[site]
}

// reachedBefore reports whether a syscall number supplied at site in caller
// (nil for an assembly function's own) may be used before Lock. A site that
// neither this nor live admits is in code that cannot run at all once
// constant conditions are folded.
func (locked *afterLock) reachedBefore(caller *ssa.Function, site ssa.CallInstruction) bool {
	if caller == locked.mainFn {
		return site == nil || (!locked.mainSites[site] && !locked.mainDead(site))
	}
	if caller == locked.helper && caller != nil {
		return site == nil || !locked.mainSites[site]
	}
	return locked.before.funcs[caller] && (site == nil || locked.before.blockLive(caller, site.Block()))
}

// isSelfsandbox reports whether fn belongs to package selfsandbox.
func isSelfsandbox(fn *ssa.Function) bool {
	p := pkgOf(fn)
	return p != nil && p.Pkg.Path() == selfsandboxPath
}

// findLock returns the one call of selfsandbox's Lock, MustLock or LockWith
// that pruning can rest on, or why there is none: the call must be a plain
// call (not go or defer) written directly in main.main, made once (not in
// a loop), and main.main must not be called by the program itself.
func (p *program) findLock(r *reach, mainFn *ssa.Function) (*ssa.Call, string) {
	pkg := p.prog.ImportedPackage(selfsandboxPath)
	if pkg == nil {
		return nil, "the program does not import " + selfsandboxPath
	}
	// The entry points: LockWith and every function of selfsandbox that
	// calls one (Lock, MustLock, and whatever else selfsandbox may grow);
	// the filter is installed from inside one of these.
	var entries []*ssa.Function
	isEntry := map[*ssa.Function]bool{}
	for _, name := range lockNames {
		if fn := pkg.Func(name); fn != nil && !isEntry[fn] {
			isEntry[fn] = true
			entries = append(entries, fn)
		}
	}
	for i := 0; i < len(entries); i++ {
		for _, e := range r.pred[entries[i]] {
			if isSelfsandbox(e.caller) && !isEntry[e.caller] {
				isEntry[e.caller] = true
				entries = append(entries, e.caller)
			}
		}
	}
	takers := p.valueTakers()
	var calls []ssa.CallInstruction
	for _, fn := range entries {
		name := fn.RelString(pkg.Pkg)
		for _, t := range takers[fn] {
			if r.funcs[t] && !isSelfsandbox(t) {
				return nil, fmt.Sprintf("selfsandbox.%s is used as a function value in %s, so where it is called cannot be told", name, t.RelString(nil))
			}
		}
		for _, e := range r.pred[fn] {
			if isSelfsandbox(e.caller) {
				continue // an entry point itself (Lock calls LockWith)
			}
			if e.site == nil {
				return nil, fmt.Sprintf("selfsandbox.%s is reached from %s without a Go call", name, e.caller.RelString(nil))
			}
			if e.caller != mainFn {
				hcall, why := p.helperCall(r, mainFn, e.caller)
				if hcall == nil {
					return nil, fmt.Sprintf("selfsandbox.%s is called from %s at %s, not directly in main.main, and %s", name, e.caller.RelString(nil), p.pos(e.site.Pos()), why)
				}
				if inCycle(e.site.Block()) {
					return nil, fmt.Sprintf("selfsandbox's Lock is called in a loop at %s", p.pos(e.site.Pos()))
				}
				if _, plain := e.site.(*ssa.Call); !plain {
					return nil, fmt.Sprintf("selfsandbox's Lock is started with go or defer at %s", p.pos(e.site.Pos()))
				}
				calls = append(calls, hcall)
				continue
			}
			calls = append(calls, e.site)
		}
	}
	switch {
	case len(calls) == 0:
		return nil, "main.main does not call selfsandbox.Lock, MustLock or LockWith"
	case len(calls) > 1:
		var at []string
		for _, c := range calls {
			at = append(at, p.pos(c.Pos()))
		}
		return nil, fmt.Sprintf("main.main calls selfsandbox's Lock functions %d times (%s)", len(calls), strings.Join(at, ", "))
	}
	call, ok := calls[0].(*ssa.Call)
	if !ok {
		return nil, fmt.Sprintf("selfsandbox's Lock is started with go or defer at %s", p.pos(calls[0].Pos()))
	}
	if call.Common().StaticCallee() == nil {
		return nil, fmt.Sprintf("selfsandbox's Lock is called through a function value at %s", p.pos(call.Pos()))
	}
	if len(r.pred[mainFn]) > 0 {
		e := r.pred[mainFn][0]
		return nil, fmt.Sprintf("main.main is called by %s, so its code before Lock may run again after it", e.caller.RelString(nil))
	}
	if inCycle(call.Block()) {
		return nil, fmt.Sprintf("selfsandbox's Lock is called in a loop at %s", p.pos(call.Pos()))
	}
	return call, ""
}

// helperCall returns main.main's one call of h when pruning can treat that
// call as the Lock call of main.main: h is called only there, by a plain
// static call, and no reachable code makes a value of h (so nothing else
// can call it). Otherwise it says why not. What h runs before its Lock
// call is then code before Lock, what it runs after, code after it.
func (p *program) helperCall(r *reach, mainFn, h *ssa.Function) (ssa.CallInstruction, string) {
	for _, t := range p.valueTakers()[h] {
		if r.funcs[t] {
			return nil, fmt.Sprintf("%s is used as a function value in %s", h.RelString(nil), t.RelString(nil))
		}
	}
	if r.rootWhy[h] != "" {
		return nil, fmt.Sprintf("%s is a root (%s)", h.RelString(nil), r.rootWhy[h])
	}
	from := r.pred[h]
	if len(from) != 1 || from[0].caller != mainFn || from[0].site == nil {
		return nil, fmt.Sprintf("%s is not called exactly once, directly by main.main", h.RelString(nil))
	}
	c := from[0].site
	if _, plain := c.(*ssa.Call); !plain || c.Common().StaticCallee() != h {
		return nil, fmt.Sprintf("main.main does not call %s with a plain static call", h.RelString(nil))
	}
	return c, ""
}

// inCycle reports whether b can be reached again from its successors.
func inCycle(b *ssa.BasicBlock) bool {
	seen := map[*ssa.BasicBlock]bool{}
	work := append([]*ssa.BasicBlock(nil), b.Succs...)
	for len(work) > 0 {
		x := work[len(work)-1]
		work = work[:len(work)-1]
		if x == b {
			return true
		}
		if seen[x] {
			continue
		}
		seen[x] = true
		work = append(work, x.Succs...)
	}
	return false
}

// afterLockCode computes what can run once the filter installed by call
// (in main.main) is in force. The roots are:
//
//   - the calls of main.main after the Lock call: the rest of its block and
//     every block reachable from there (and the recover block);
//   - every deferred call of main.main;
//   - every function the runtime or reflection may call on the program's
//     behalf (finalizers, cleanups, timer functions, signal handling,
//     reflect.MakeFunc stubs, reflect-callable methods), and every root of
//     the call graph other than main.main and the package initialiser.
//
// Goroutines started after Lock are reached by the walk itself. What these
// roots reach over the call graph may run under the filter. The
// goroutines the code before Lock starts are walked apart (afterLock.started):
// the narrow allow-list assumes they have ended by the time Lock runs, which
// Lock checks. The
// graph's edges do not depend on where a function value was made, so a
// closure made before Lock and called after it is covered. Both walks (the
// code before Lock, for its goroutines, and the code after it) follow calls
// through a func-typed parameter context-sensitively; see csWalker.
func (p *program) afterLockCode(r *reach, mainFn, initFn *ssa.Function, call *ssa.Call) *afterLock {
	locked := &afterLock{lockCall: call, mainFn: mainFn, mainSites: map[ssa.CallInstruction]bool{}}
	// Lock called from a helper (see helperCall): the helper's calls after
	// its Lock call, and its defers, run under the filter.
	var helperLock ssa.CallInstruction
	if h := call.Common().StaticCallee(); h != nil && !isSelfsandbox(h) {
		locked.helper = h
		for _, e := range r.succ[h] {
			if e.site != nil && isSelfsandbox(e.callee) {
				helperLock = e.site
			}
		}
		for _, c := range callsAfter(h, helperLock) {
			locked.mainSites[c] = true
		}
	}
	// The calls of main.main that may run after the call (its defers
	// included); calls in blocks that cannot run (behind a constant
	// condition) are neither before nor after Lock.
	mainLive := newCSWalker(p, r, mainFn).liveBlocks(ctxFunc{mainFn, callContext{}})
	locked.mainDead = func(c ssa.CallInstruction) bool { return mainLive != nil && !mainLive[c.Block()] }
	for _, c := range callsAfter(mainFn, call) {
		if !locked.mainDead(c) {
			locked.mainSites[c] = true
		}
	}

	// The code before Lock: the package initialisers and main.main's calls
	// up to Lock (Lock included). The goroutines it starts are after-Lock
	// roots.
	before := newCSWalker(p, r, mainFn)
	before.root(initFn, callContext{}, "package initialisation")
	preLock := r.succ[mainFn]
	if locked.helper != nil {
		preLock = append(slices.Clip(preLock), r.succ[locked.helper]...)
	}
	for _, e := range preLock {
		if e.site != nil && e.callee == locked.helper {
			continue // its calls are among preLock
		}
		if e.site != nil && !locked.mainSites[e.site] && (e.caller != mainFn || !locked.mainDead(e.site)) {
			ctx := before.calleeCtx(e.caller, callContext{}, e)
			if _, isGo := e.site.(*ssa.Go); isGo {
				before.goroutines = append(before.goroutines, goStart{ctxFunc{e.callee, ctx}, e.caller, e.site})
			}
			before.root(e.callee, ctx, "called by "+e.caller.RelString(nil)+" before Lock at "+p.pos(e.site.Pos()))
		}
	}
	before.run()
	locked.before = before

	after := newCSWalker(p, r, mainFn)
	postLock := r.succ[mainFn]
	if locked.helper != nil {
		postLock = append(slices.Clip(postLock), r.succ[locked.helper]...)
	}
	for _, e := range postLock {
		if e.site == nil {
			if e.caller == locked.helper && locked.helper != nil {
				after.root(e.callee, callContext{}, "called by "+e.caller.RelString(nil)) // not an SSA call: kept
			}
			continue
		}
		// The Lock call itself is not a root: once its seccomp call has
		// installed the filter, Lock only stores its state and returns
		// (unlocking a mutex and the OS thread, which is the runtime's
		// business). The fixture tests check this under strace.
		if locked.mainSites[e.site] {
			// The path starts at main.main's call, as other paths do.
			if k, isNew := after.root(e.callee, after.calleeCtx(e.caller, callContext{}, e), ""); isNew {
				after.caller[k] = fmt.Sprintf("%s (%s)", e.caller.RelString(nil), p.pos(e.site.Pos()))
			}
		}
	}
	for _, fn := range r.roots {
		if fn != mainFn && fn != initFn {
			after.root(fn, callContext{}, r.rootWhy[fn])
		}
	}
	for _, x := range p.callbacks(r) {
		after.root(x.fn, callContext{}, x.why)
	}
	for _, x := range p.reflectRoots(r) {
		after.root(x.fn, callContext{}, x.why)
	}
	after.run()
	locked.funcs, locked.walk = after.funcs, after

	// Each go statement before Lock gets a walk of its own, which stops
	// where the code after Lock was walked already: all that code reaches
	// is allowed anyway.
	bySite := map[ssa.CallInstruction]*preLockGo{}
	for _, g := range before.goroutines {
		goStmt := bySite[g.site]
		if goStmt == nil {
			goStmt = &preLockGo{site: g.site, from: g.from, walk: newCSWalker(p, r, mainFn), needs: map[uint64]Need{}}
			goStmt.walk.covered = after
			bySite[g.site] = goStmt
			locked.started = append(locked.started, goStmt)
		}
		goStmt.walk.root(g.state.fn, g.state.ctx, "started as a goroutine before Lock by "+g.from.RelString(nil)+" at "+p.pos(g.site.Pos()))
	}
	for _, goStmt := range locked.started {
		goStmt.walk.run()
	}
	return locked
}

// callsAfter returns the calls of fn that may run after its call lock: the
// rest of lock's block, every block reachable from there and the recover
// block, and every defer of fn. With lock nil, every call of fn.
func callsAfter(fn *ssa.Function, lock ssa.CallInstruction) []ssa.CallInstruction {
	blocks := map[*ssa.BasicBlock]bool{}
	var work []*ssa.BasicBlock
	push := func(b *ssa.BasicBlock) {
		if b != nil && !blocks[b] {
			blocks[b] = true
			work = append(work, b)
		}
	}
	if lock == nil {
		for _, b := range fn.Blocks {
			push(b)
		}
	} else {
		for _, s := range lock.Block().Succs {
			push(s)
		}
	}
	push(fn.Recover)
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		for _, s := range b.Succs {
			push(s)
		}
	}
	var out []ssa.CallInstruction
	for _, b := range fn.Blocks {
		after := blocks[b]
		for _, in := range b.Instrs {
			c, ok := in.(ssa.CallInstruction)
			if !ok {
				continue
			}
			if _, isDefer := c.(*ssa.Defer); isDefer || after {
				out = append(out, c)
			}
			if c == lock {
				after = true
			}
		}
	}
	return out
}

// walked reports whether w walked fn in context ctx, or in the empty
// context that stands for every context once fn has too many.
func (w *csWalker) walked(fn *ssa.Function, ctx callContext) bool {
	ctxs := w.seen[fn]
	return ctxs[ctx.key] || (len(ctxs) >= maxContexts && ctxs[""])
}

// callContext is a calling context: the functions that some of a function's
// func-typed parameters (by index in Params) can hold. A parameter without
// an entry can hold anything the call graph says.
type callContext struct {
	key  string
	vals map[int][]*ssa.Function
	// consts are the values of integer and boolean parameters that every
	// call in this context passes as the same constant (see branch.go).
	consts map[int]constant.Value
}

// ctxFunc is a function in a calling context.
type ctxFunc struct {
	fn  *ssa.Function
	ctx callContext
}

// ctxFuncKey identifies a ctxFunc.
type ctxFuncKey struct {
	fn  *ssa.Function
	ctx string
}

// firstEdge is how a state was first reached: edge e from state from.
type firstEdge struct {
	from ctxFuncKey
	e    edge
}

// goStart is a goroutine started at site in from.
type goStart struct {
	state ctxFunc
	from  *ssa.Function
	site  ssa.CallInstruction
}

// maxContexts bounds the calling contexts walked per function; past it the
// function is walked once more without context (every callee the call
// graph has), which covers every context.
const maxContexts = 256

// csWalker walks the call graph from a set of roots, one level
// context-sensitively: a call through a func value that is a parameter of
// the calling function goes only to the functions the caller's callers
// pass for that parameter, when every value passed can be traced to
// functions. This is what keeps the closures handed to shared helpers
// (sync.Once.Do, os.ignoringEINTR, poll's ignoringEINTRIO) apart: the call
// graph has one set of callees for the helper's call of its parameter,
// made of every closure any caller passes.
//
// It is sound for a set of roots when every way into a function from those
// roots is a call edge of the graph or a root: a parameter's value is then
// one of the arguments of the calls walked into the function, and a
// context-free root (or a value that cannot be traced) falls back to the
// call graph's callees.
type csWalker struct {
	p      *program
	r      *reach
	mainFn *ssa.Function
	ids    map[*ssa.Function]int
	seen   map[*ssa.Function]map[string]bool
	queue  []ctxFunc
	funcs  map[*ssa.Function]bool
	// first is the first context each function was walked in; parent is
	// the edge (and the caller's state) that first reached a state, absent
	// for a root, whose reason is in why.
	first  map[*ssa.Function]ctxFuncKey
	parent map[ctxFuncKey]firstEdge
	why    map[ctxFuncKey]string
	// caller is, for a root main.main calls after Lock, main's frame
	// ("pkg.main (file:line:col)"), which starts its call paths.
	caller map[ctxFuncKey]string
	// goroutines are the goroutines the walked code starts.
	goroutines []goStart
	// blocks are, per walked function, the blocks that can run in some
	// context it was walked in; nil when all can.
	blocks map[*ssa.Function]map[*ssa.BasicBlock]bool
	// covered, when set, is a walk whose states this one does not enter:
	// what they reach is accounted for there.
	covered *csWalker
	// liveCtx are the live blocks of the states walked (see liveBlocksOf).
	liveCtx map[ctxFuncKey]map[*ssa.BasicBlock]bool
	// folding are the callees whose results foldCall is folding.
	folding map[*ssa.Function]bool
	// reachDep is set when a fold used a fact of the reach (a field
	// nothing sets, a receiver's types, a call's result), so that the
	// liveness it decided is decided again for a narrower reach.
	reachDep bool
}

func newCSWalker(p *program, r *reach, mainFn *ssa.Function) *csWalker {
	return &csWalker{p: p, r: r, mainFn: mainFn, ids: map[*ssa.Function]int{}, seen: map[*ssa.Function]map[string]bool{},
		funcs: map[*ssa.Function]bool{}, first: map[*ssa.Function]ctxFuncKey{}, parent: map[ctxFuncKey]firstEdge{}, why: map[ctxFuncKey]string{},
		caller: map[ctxFuncKey]string{}}
}

// root adds fn in context ctx as a root, and returns its state's key and
// whether the state is new.
func (w *csWalker) root(fn *ssa.Function, ctx callContext, why string) (ctxFuncKey, bool) {
	if fn == nil || fn == w.mainFn {
		return ctxFuncKey{}, false
	}
	k, isNew := w.enter(fn, ctx)
	if isNew {
		w.why[k] = why
	}
	return k, isNew
}

// enter queues fn in context ctx unless it was walked in it already, and
// returns the state's key and whether it is new.
func (w *csWalker) enter(fn *ssa.Function, ctx callContext) (ctxFuncKey, bool) {
	if isRuntime(fn) || (w.covered != nil && w.covered.walked(fn, ctx)) {
		return ctxFuncKey{}, false
	}
	ctxs := w.seen[fn]
	if ctxs == nil {
		ctxs = map[string]bool{}
		w.seen[fn] = ctxs
	}
	if len(ctxs) >= maxContexts {
		ctx = callContext{}
	}
	k := ctxFuncKey{fn, ctx.key}
	if ctxs[ctx.key] {
		return k, false
	}
	ctxs[ctx.key] = true
	if !w.funcs[fn] {
		w.funcs[fn] = true
		w.first[fn] = k
	}
	w.queue = append(w.queue, ctxFunc{fn, ctx})
	return k, true
}

// noteLive adds the live blocks of one walk of fn (nil: all) to those of
// the walk as a whole.
func (w *csWalker) noteLive(fn *ssa.Function, live map[*ssa.BasicBlock]bool) {
	if w.blocks == nil {
		w.blocks = map[*ssa.Function]map[*ssa.BasicBlock]bool{}
	}
	have, walked := w.blocks[fn]
	switch {
	case walked && have == nil:
		// every block is live already
	case live == nil:
		w.blocks[fn] = nil
	case !walked:
		w.blocks[fn] = maps.Clone(live)
	default:
		maps.Copy(have, live)
	}
}

// blockLive reports whether b of fn can run in some context the walk
// walked fn in (true for a function it did not walk).
func (w *csWalker) blockLive(fn *ssa.Function, b *ssa.BasicBlock) bool {
	live, walked := w.blocks[fn]
	return !walked || live == nil || live[b]
}

// run walks until the queue is empty.
func (w *csWalker) run() {
	for len(w.queue) > 0 {
		st := w.queue[0]
		w.queue = w.queue[1:]
		targets := map[ssa.CallInstruction][]*ssa.Function{}
		traced := map[ssa.CallInstruction]bool{}
		live := w.liveBlocks(st)
		w.noteLive(st.fn, live)
		for _, e := range w.r.succ[st.fn] {
			if e.site != nil && live != nil && !live[e.site.Block()] {
				continue // the call is in a block that cannot run
			}
			if e.site == nil {
				// A linkname declaration or assembly jump forwards its
				// parameters; an assembly CALL passes unknown ones.
				ctx := callContext{}
				if e.kind == edgeLink || e.kind == edgeAsmJump {
					ctx = st.ctx
				}
				w.follow(st, e, ctx)
				continue
			}
			cc := e.site.Common()
			if cc.IsInvoke() && !w.p.receiverTypes(w.r).admits(e.site, e.callee) {
				continue // no value of the callee's type reaches the receiver
			}
			if cc.StaticCallee() == nil && !cc.IsInvoke() {
				if _, done := traced[e.site]; !done {
					fns, ok := w.funcsOf(cc.Value, st)
					traced[e.site] = ok
					if ok {
						targets[e.site] = fns
						for _, fn := range fns {
							w.follow(st, edge{caller: st.fn, site: e.site, callee: fn}, w.calleeCtx(st.fn, st.ctx, edge{site: e.site, callee: fn}))
						}
					}
				}
				if traced[e.site] {
					continue // the traced functions replace the graph's callees
				}
			}
			w.follow(st, e, w.calleeCtx(st.fn, st.ctx, e))
		}
	}
}

// follow walks edge e from st into its callee in context ctx.
func (w *csWalker) follow(st ctxFunc, e edge, ctx callContext) {
	if e.callee == w.mainFn {
		return
	}
	k, isNew := w.enter(e.callee, ctx)
	if !isNew {
		return
	}
	w.parent[k] = firstEdge{ctxFuncKey{st.fn, st.ctx.key}, e}
	if _, isGo := e.site.(*ssa.Go); isGo {
		w.goroutines = append(w.goroutines, goStart{ctxFunc{e.callee, ctx}, st.fn, e.site})
	}
}

// funcsOf traces the func value v in st.fn back to the functions it can
// be: functions, closures, nil, phis of them, and parameters of st.fn that
// st.ctx knows. ok is false when some source cannot be traced, or a traced
// function is not in the call graph (so its callees are unknown).
func (w *csWalker) funcsOf(v ssa.Value, st ctxFunc) (fns []*ssa.Function, ok bool) {
	ok = true
	w.p.values().trace(v, flowRules{}, func(s source) bool {
		if fn, isFunc := funcOf(s.v); isFunc {
			fns = append(fns, fn)
			return true
		}
		switch v := s.v.(type) {
		case *ssa.Const:
			return true // nil: calling it panics, no function runs
		case *ssa.Parameter:
			if known, has := st.ctx.vals[paramIndex(v)]; has && v.Parent() == st.fn {
				fns = append(fns, known...)
				return true
			}
		}
		ok = false
		return false
	})
	if !ok {
		return nil, false
	}
	for _, fn := range fns {
		if !w.r.funcs[fn] && !isRuntime(fn) {
			return nil, false
		}
	}
	return fns, ok
}

// calleeCtx is the context e.callee is entered in from caller (in context
// ctx): for each func-typed parameter, the functions the call passes, when
// they can all be traced.
func (w *csWalker) calleeCtx(caller *ssa.Function, ctx callContext, e edge) callContext {
	if e.site == nil {
		return callContext{}
	}
	cc := e.site.Common()
	params := e.callee.Params
	if cc.IsInvoke() {
		if len(cc.Args)+1 != len(params) {
			return callContext{}
		}
	} else if len(cc.Args) != len(params) {
		return callContext{}
	}
	var out callContext
	for i, p := range params {
		if _, isFunc := p.Type().Underlying().(*types.Signature); !isFunc {
			continue
		}
		arg := argAt(cc, i)
		if arg == nil {
			continue
		}
		fns, ok := w.funcsOf(arg, ctxFunc{caller, ctx})
		if !ok {
			continue
		}
		if out.vals == nil {
			out.vals = map[int][]*ssa.Function{}
		}
		out.vals[i] = w.sortUnique(fns)
	}
	if !cc.IsInvoke() {
		for i := range w.p.branchParams(e.callee) {
			if c, ok := w.constOf(cc.Args[i], ctxFunc{caller, ctx}, nil, map[ssa.Value]bool{}); ok {
				if out.consts == nil {
					out.consts = map[int]constant.Value{}
				}
				out.consts[i] = c
			}
		}
	}
	out.key = w.keyOf(out.vals, out.consts)
	return out
}

// sortUnique orders fns by id without duplicates.
func (w *csWalker) sortUnique(fns []*ssa.Function) []*ssa.Function {
	slices.SortFunc(fns, func(x, y *ssa.Function) int { return w.id(x) - w.id(y) })
	return slices.Compact(fns)
}

// id numbers functions in the order the walk meets them.
func (w *csWalker) id(fn *ssa.Function) int {
	n, ok := w.ids[fn]
	if !ok {
		n = len(w.ids) + 1
		w.ids[fn] = n
	}
	return n
}

// keyOf is the identity of a context.
func (w *csWalker) keyOf(vals map[int][]*ssa.Function, consts map[int]constant.Value) string {
	if len(vals) == 0 && len(consts) == 0 {
		return ""
	}
	idx := make([]int, 0, len(vals))
	for i := range vals {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	var b strings.Builder
	for _, i := range idx {
		fmt.Fprintf(&b, "%d:", i)
		for _, fn := range vals[i] {
			fmt.Fprintf(&b, "%d,", w.id(fn))
		}
		b.WriteByte(';')
	}
	cidx := make([]int, 0, len(consts))
	for i := range consts {
		cidx = append(cidx, i)
	}
	slices.Sort(cidx)
	for _, i := range cidx {
		fmt.Fprintf(&b, "%d=%s;", i, consts[i].ExactString())
	}
	return b.String()
}

// walkPath returns a shortest call path in the walk from one of its roots
// to the site at in fn, as Program.Need paths are written, with the root's
// reason first. A site in main.main itself is reached from main.main.
func (w *csWalker) walkPath(p *program, fn *ssa.Function, at token.Pos) []string {
	rev := []string{fmt.Sprintf("%s (%s)", fn.RelString(nil), p.pos(at))}
	k, ok := w.first[fn]
	if !ok {
		return rev // main.main
	}
	seen := map[ctxFuncKey]bool{k: true}
	for {
		l, ok := w.parent[k]
		if !ok {
			break
		}
		k = l.from
		if seen[k] {
			break
		}
		seen[k] = true
		rev = append(rev, fmt.Sprintf("%s (%s)", k.fn.RelString(nil), edgeWhere(p, l.e)))
	}
	if frame := w.caller[k]; frame != "" {
		rev = append(rev, frame)
	} else if why := w.why[k]; why != "" {
		rev = append(rev, "["+why+"]")
	}
	slices.Reverse(rev)
	return rev
}

// need records that the goroutines of goStmt need n at pos in fn, with the
// call path from the goroutine's start.
func (goStmt *preLockGo) need(p *program, fn *ssa.Function, pos token.Pos, n Need) {
	n.Path = goStmt.walk.walkPath(p, fn, pos)
	keepShorter(goStmt.needs, n)
}

// outliving returns the go statements before Lock whose goroutines need
// syscalls beyond narrow (what the code after Lock needs), sorted by
// position, each with those syscalls.
func (locked *afterLock) outliving(p *program, narrow map[uint64]Need) []Goroutine {
	var out []Goroutine
	for _, goStmt := range locked.started {
		var extra []Need
		for nr, n := range goStmt.needs {
			if _, ok := narrow[nr]; !ok {
				extra = append(extra, n)
			}
		}
		if len(extra) == 0 {
			continue
		}
		sortNeeds(extra)
		start := p.prog.Fset.Position(goStmt.site.Pos())
		g := Goroutine{Pos: p.pos(goStmt.site.Pos()), File: filepath.Base(start.Filename), Line: start.Line, EndLine: start.Line,
			Func: goStmt.from.RelString(nil), Needs: extra}
		if end := goStmtEnd(goStmt.from, goStmt.site.Pos()); end.IsValid() {
			g.EndLine = p.prog.Fset.Position(end).Line
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(x, y Goroutine) int {
		return strings.Compare(x.File+fmt.Sprintf(":%08d", x.Line), y.File+fmt.Sprintf(":%08d", y.Line))
	})
	return out
}

// goStmtEnd returns the end of the go statement of fn at pos (the position
// of its go keyword), or token.NoPos when fn's syntax is not at hand.
func goStmtEnd(fn *ssa.Function, pos token.Pos) token.Pos {
	syntax := fn.Syntax()
	if syntax == nil {
		return token.NoPos
	}
	end := token.NoPos
	ast.Inspect(syntax, func(n ast.Node) bool {
		if g, ok := n.(*ast.GoStmt); ok && g.Go == pos {
			end = g.End()
		}
		return end == token.NoPos
	})
	return end
}
