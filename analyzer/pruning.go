package analyzer

import (
	"go/token"

	"golang.org/x/tools/go/ssa"
)

// pruning is the prune phase's result: whether the analysis may leave out
// what runs only before selfsandbox.Lock and, when it may, the code that
// runs under the filter. The assemble phase asks it about each need
// through its methods; the after-Lock walks stay inside.
type pruning struct {
	// summary is what Program.Pruning reports.
	summary Pruning
	// locked is the code that may run once the filter is in force; nil
	// when pruning does not apply.
	locked *afterLock
	// unpruned folds branches without a calling context when pruning
	// does not apply, so that sites in blocks no context can run are
	// dead all the same.
	unpruned *csWalker
}

// fate is what pruning makes of one syscall site.
type fate uint8

const (
	// kept: the site may run under the filter (or nothing is pruned).
	kept fate = iota
	// pruned: the site runs only before Lock.
	pruned
	// dead: the site is in code that cannot run at all once constant
	// conditions are folded.
	dead
)

// prune is the prune phase: it finds the Lock call of main.main that
// pruning rests on and the code that may run after it, or says why
// nothing is pruned (noPrune, Config.NoPrune, asks for that outright).
func (p *program) prune(r *reach, noPrune bool) *pruning {
	if noPrune {
		return &pruning{summary: Pruning{Reason: "Config.NoPrune is set"}, unpruned: newCSWalker(p, r, p.mainPkg.Func("main"))}
	}
	mainFn := p.mainPkg.Func("main")
	call, why := p.findLock(r, mainFn)
	if call == nil {
		return &pruning{summary: Pruning{Reason: why}, unpruned: newCSWalker(p, r, mainFn)}
	}
	return &pruning{
		summary: Pruning{Applied: true, LockAt: p.pos(call.Pos())},
		locked:  p.afterLockCode(r, mainFn, p.mainPkg.Func("init"), call),
	}
}

// fateOf says whether the syscall number supplied at site in caller (site
// is nil for an assembly function's own syscall) is kept, pruned or dead.
func (pr *pruning) fateOf(caller *ssa.Function, site ssa.CallInstruction) fate {
	switch {
	case pr.locked == nil:
		// Without pruning, a site still needs its block to be able to
		// run in some calling context: folded without one, as every
		// context allows (the fork path's branches on SysProcAttr
		// fields nothing sets).
		if site != nil {
			if live := pr.unpruned.liveBlocks(ctxFunc{caller, callContext{}}); live != nil && !live[site.Block()] {
				return dead
			}
		}
		return kept
	case pr.locked.live(caller, site):
		return kept
	case pr.locked.reachedBefore(caller, site):
		return pruned
	}
	return dead
}

// pathOf returns the call path to pos in caller that explains a need: for
// a kept need with pruning applied, a path from an after-Lock root (one
// that runs under the filter); for any other, the shortest from a root.
func (pr *pruning) pathOf(p *program, r *reach, f fate, caller *ssa.Function, pos token.Pos) []string {
	if f == kept && pr.locked != nil {
		return pr.locked.walk.walkPath(p, caller, pos)
	}
	return p.reachPath(r, caller, pos)
}

// noteStarted records n, needed at pos in caller before Lock, for each
// goroutine started before Lock whose code holds caller: the fallback
// filter must allow it if that goroutine is still running at Lock.
func (pr *pruning) noteStarted(p *program, caller *ssa.Function, pos token.Pos, n Need) {
	if pr.locked == nil {
		return
	}
	for _, goStmt := range pr.locked.started {
		if goStmt.walk.funcs[caller] {
			goStmt.need(p, caller, pos, n)
		}
	}
}

// funcFilters returns, when pruning applies, whether a function may run
// under the filter (live) and whether it may run before Lock (reached);
// nil, nil when it does not (everything is live).
func (pr *pruning) funcFilters() (live, reached func(*ssa.Function) bool) {
	if pr.locked == nil {
		return nil, nil
	}
	return func(fn *ssa.Function) bool { return pr.locked.funcs[fn] },
		func(fn *ssa.Function) bool { return pr.locked.before.funcs[fn] }
}

// noteStartedCgo records, for each goroutine started before Lock, what the
// libc functions its code calls through cgo need.
func (pr *pruning) noteStartedCgo(p *program, r *reach) {
	if pr.locked == nil {
		return
	}
	for _, goStmt := range pr.locked.started {
		ns, _ := p.cgoNeeds(r, func(fn *ssa.Function) bool { return goStmt.walk.funcs[fn] }, nil)
		for _, n := range ns {
			keepShorter(goStmt.needs, n)
		}
	}
}

// outliving returns the goroutines started before Lock that need more
// than narrow (what the code after Lock needs); nil when pruning does not
// apply.
func (pr *pruning) outliving(p *program, narrow map[uint64]Need) []Goroutine {
	if pr.locked == nil {
		return nil
	}
	return pr.locked.outliving(p, narrow)
}
