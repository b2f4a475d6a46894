package analyzer

import (
	"fmt"
	"go/token"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sandboxgen/sandboxgen/internal/systable"
	"github.com/sandboxgen/sandboxgen/runtimeprofile"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
)

// analysis is what analyzeMain needs beyond the program (see
// buildProgram), whose fields and methods it inherits: the config and the
// runtime baseline.
type analysis struct {
	cfg Config
	*program
	// profile is the runtime baseline, loaded on first use and shared by
	// the programs of one Analyze call.
	profile *runtimeprofile.Profile
	// runtimeNames are the syscalls the runtime baseline adds.
	runtimeNames map[string]bool
	// release says no later SSA build needs the packages' syntax and
	// type information: analyzeMain drops them once its SSA is built.
	release bool
	// ssaBuilt is called once the SSA is built: it puts back the GC
	// percent raised for the load and the build (see raiseGC).
	ssaBuilt func()
}

// releaseSyntax drops the syntax trees and type-checker facts of p's import
// closure. Once the SSA packages are created, nothing but their build
// needs them: the SSA keeps the types, and each function the syntax it
// was built from.
func releaseSyntax(p *packages.Package) {
	packages.Visit([]*packages.Package{p}, nil, func(q *packages.Package) {
		q.Syntax, q.TypesInfo = nil, nil
	})
}

// Analyze loads the packages matched by patterns (as for go build, relative
// to cfg.Dir) for GOOS=linux and cfg.GOARCH, and returns what each main
// package among them needs. It fails when the packages do not build, when no
// main package matches, or when the architecture has no syscall table;
// unresolved syscall sites are not an error (see Program.Unresolved).
//
// While the packages load and the SSA is built, Analyze raises the
// process's GC percent and collects before, between and after (see
// raiseGC): the analysis's time and peak memory depend on when the
// collector runs.
func Analyze(cfg Config, patterns ...string) (*Report, error) {
	start := time.Now()
	goarch := goarchOf(cfg)
	table, err := systable.Lookup(goarch)
	if err != nil {
		return nil, fmt.Errorf("analyzer: %w", err)
	}
	switch cfg.CallGraph {
	case "", CallGraphVTA, CallGraphCHA, CallGraphRTA:
	default:
		return nil, fmt.Errorf("analyzer: unknown call graph %q: use %q, %q or %q", cfg.CallGraph, CallGraphVTA, CallGraphCHA, CallGraphRTA)
	}
	goVersion, goroot, err := toolchain(cfg)
	if err != nil {
		return nil, err
	}

	// The runtime baseline depends only on the toolchain and the
	// architecture: it is read while the packages load and the program is
	// analysed, on a core the analysis's serial phases leave idle.
	var baseline func() (*runtimeprofile.Profile, error)
	if !cfg.NoRuntime {
		baseline = startBaseline(goroot, goarch)
	}
	restoreGC := raiseGC()
	defer restoreGC()
	pkgs, err := load(cfg, patterns)
	if err != nil {
		return nil, err
	}
	collectLoadGarbage()
	var mains []*packages.Package
	for _, p := range pkgs {
		if p.Name == "main" {
			mains = append(mains, p)
		}
	}
	if len(mains) == 0 {
		return nil, fmt.Errorf("analyzer: no main package among %s; sandboxgen analyses commands: pass the directory of a main package (e.g. ./cmd/server) or ./... as the pattern", strings.Join(patterns, " "))
	}
	loadTime := time.Since(start)

	// Each main package gets its own SSA program built from its own
	// import closure, so that the call graph of one command is not
	// widened by the code of another matched by the same patterns.
	rep := &Report{}
	var profile *runtimeprofile.Profile
	cgoFrom := func() map[string]*Program { return cfg.CgoFrom }
	if cfg.CgoFromLater != nil {
		cgoFrom = sync.OnceValue(cfg.CgoFromLater)
	}
	// The C code of cgo programs is analysed in their linked binary,
	// built in the background while the Go analysis runs.
	cRuns := (&analysis{cfg: cfg, program: &program{goarch: goarch, table: table}}).startC(mains)
	for i, p := range mains {
		mainAnalysis := &analysis{cfg: cfg, profile: profile, release: i == len(mains)-1, ssaBuilt: restoreGC}
		prog, err := mainAnalysis.analyzeMain(p, goarch, table, loadTime)
		if err != nil {
			return nil, err
		}
		prog.GoVersion, prog.GoRoot = goVersion, goroot
		if !cfg.NoRuntime {
			t := time.Now()
			if mainAnalysis.profile == nil {
				p, err := baseline()
				if err != nil {
					return nil, fmt.Errorf("analyzer: runtime baseline for %s linux/%s: %w", goroot, goarch, err)
				}
				mainAnalysis.profile = p
			}
			if err := mainAnalysis.addRuntime(prog, goroot); err != nil {
				return nil, err
			}
			prog.Timings.Total += time.Since(t)
			profile = mainAnalysis.profile
			prog.Pruned = slices.DeleteFunc(prog.Pruned, func(n Need) bool {
				_, allowed := prog.Need(n.Name)
				return allowed // the runtime baseline needs it anyway
			})
			for i := range prog.Outliving {
				g := &prog.Outliving[i]
				g.Needs = slices.DeleteFunc(g.Needs, func(n Need) bool { return mainAnalysis.runtimeNames[n.Name] })
			}
			prog.Outliving = slices.DeleteFunc(prog.Outliving, func(g Goroutine) bool { return len(g.Needs) == 0 })
			cgo := prog.Features.Cgo
			if ref := cgoFrom()[prog.PkgPath]; ref != nil && ref.Features.Cgo && !prog.Features.Cgo {
				mainAnalysis.assumeCgo(prog, ref)
				cgo = true
			}
			if err := mainAnalysis.coverCgo(prog); err != nil {
				return nil, err
			}
			if run := cRuns[p]; run != nil {
				if err := mainAnalysis.addCNeeds(prog, run); err != nil {
					return nil, err
				}
			} else if !cfg.NoC {
				prog.Warnings = stdOnlyCgo(prog.Warnings)
			}
			applyArgRules(prog, prog.argFacts, cfg.ExecChild, cgo || prog.cgoAdded)
		} else if run := cRuns[p]; run != nil {
			if err := mainAnalysis.addCNeeds(prog, run); err != nil {
				return nil, err
			}
		}
		rep.Programs = append(rep.Programs, prog)
	}
	return rep, nil
}

// startBaseline reads the runtime baseline of goroot for linux/goarch in
// the background and returns the function that waits for it.
func startBaseline(goroot, goarch string) func() (*runtimeprofile.Profile, error) {
	var (
		p    *runtimeprofile.Profile
		err  error
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		p, err = runtimeprofile.For(goroot, "linux", goarch)
	}()
	return func() (*runtimeprofile.Profile, error) {
		<-done
		return p, err
	}
}

// analyzeMain analyses one main package by chaining the phases, each fed
// what the earlier ones returned: buildProgram (SSA for its import
// closure) → buildReach (the call graph from its roots) → prune (what runs
// after Lock) → findSites (the syscall sites in what is reachable) →
// assemble (the Program).
func (a *analysis) analyzeMain(p *packages.Package, goarch string, table *systable.Table, loadTime time.Duration) (*Program, error) {
	tm := Timings{Load: loadTime}
	start := time.Now()
	built, err := buildProgram(goarch, table, p, a.cfg.Dir, a.release, a.ssaBuilt)
	if err != nil {
		return nil, err
	}
	a.program = built
	tm.SSA = built.ssaTime

	t := time.Now()
	r, err := built.buildReach(a.cfg.CallGraph)
	if err != nil {
		return nil, err
	}
	tm.CallGraph = built.chaTime + time.Since(t)
	// The class hierarchy graph of every function only seeds the reach:
	// the later phases follow r's edges. Dropped, the collector has less
	// to mark in them.
	built.cha = nil

	t = time.Now()
	pr := built.prune(r, a.cfg.NoPrune)
	sites := built.findSites(r)
	out := built.assemble(p, r, pr, sites, a.cfg.ExecChild)
	out.argFacts = a.gatherArgFacts(r, sites)
	tm.Syscalls = time.Since(t)
	tm.Total = tm.Load + time.Since(start)
	out.Timings = tm
	return out, nil
}

// assemble is the last phase: it turns the reach, the pruning and the
// syscall sites of one main package into the Program Analyze returns
// (before the runtime baseline and the C code are added). execChild is
// Config.ExecChild, which silences the exec warning.
func (p *program) assemble(pkg *packages.Package, r *reach, pr *pruning, sites *siteResult, execChild bool) *Program {
	out := &Program{
		PkgPath: pkg.PkgPath,
		Dir:     packageDir(pkg),
		GOARCH:  p.goarch,
		Pruning: pr.summary,
	}
	out.Name = filepath.Base(pkg.PkgPath)
	if pkg.PkgPath == "command-line-arguments" || pkg.PkgPath == "main" {
		out.Name = filepath.Base(out.Dir)
	}
	deps := 0
	packages.Visit([]*packages.Package{pkg}, nil, func(*packages.Package) { deps++ })
	out.Packages = deps

	best := map[uint64]Need{}
	prunedNeeds := map[uint64]Need{}
	for _, sn := range sites.needs {
		name, ok := p.table.Name(uint32(sn.nr))
		if !ok {
			out.Warnings = append(out.Warnings, fmt.Sprintf("%s: %d is not a syscall number on linux/%s", p.pos(sn.pos), sn.nr, p.goarch))
			continue
		}
		// A kept syscall's path is one that runs under the filter (from
		// an after-Lock root); a pruned one's, the path that needs it.
		f := pr.fateOf(sn.caller, sn.site)
		n := Need{Name: name, Nr: uint32(sn.nr), Origin: OriginProgram, Path: pr.pathOf(p, r, f, sn.caller, sn.pos)}
		switch f {
		case kept:
			keepShorter(best, n)
		case pruned:
			keepShorter(prunedNeeds, n)
		}
		if f != kept {
			pr.noteStarted(p, sn.caller, sn.pos, Need{Name: name, Nr: uint32(sn.nr), Origin: OriginProgram})
		}
	}
	// The libc functions std calls through cgo: their syscalls, unless the
	// program's own code needs them already.
	live, reached := pr.funcFilters()
	cgoKept, cgoPruned := p.cgoNeeds(r, live, reached)
	for _, n := range cgoKept {
		if _, ok := best[uint64(n.Nr)]; !ok {
			best[uint64(n.Nr)] = n
		}
	}
	for _, n := range cgoPruned {
		if _, ok := prunedNeeds[uint64(n.Nr)]; !ok {
			prunedNeeds[uint64(n.Nr)] = n
		}
	}
	pr.noteStartedCgo(p, r)
	out.Outliving = pr.outliving(p, best)
	wide := maps.Clone(best)
	for _, g := range out.Outliving {
		for _, n := range g.Needs {
			if _, ok := wide[uint64(n.Nr)]; !ok {
				wide[uint64(n.Nr)] = n
			}
		}
	}
	for _, n := range wide {
		out.Syscalls = append(out.Syscalls, n)
	}
	sortNeeds(out.Syscalls)
	for nr, n := range prunedNeeds {
		if _, ok := wide[nr]; !ok {
			out.Pruned = append(out.Pruned, n)
		}
	}
	sortNeeds(out.Pruned)

	seenPos := map[string]bool{}
	for _, u := range sites.unresolved {
		pos := p.pos(u.pos)
		if seenPos[pos+u.reason] {
			continue
		}
		seenPos[pos+u.reason] = true
		out.Unresolved = append(out.Unresolved, Site{Pos: pos, Func: u.caller.RelString(nil), Path: p.reachPath(r, u.caller, u.pos), Reason: u.reason})
	}
	sort.Slice(out.Unresolved, func(i, j int) bool { return out.Unresolved[i].Pos < out.Unresolved[j].Pos })

	out.Features = p.features(pkg, r)
	out.Warnings = append(out.Warnings, r.warnings...)
	out.Warnings = append(out.Warnings, featureWarnings(out.Features)...)
	if out.Features.OsExec && !execChild {
		out.Warnings = append(out.Warnings, "exec: the program can start other programs, which inherit the filter; only what their start-up shares with this allow-list is allowed (pass -exec-child to sandboxgen, Config.ExecChild to Analyze, to add the runtime profile's exec group)")
	}
	return out
}

// keepShorter records n in set unless set holds the same syscall with a
// path no longer than n's.
func keepShorter(set map[uint64]Need, n Need) {
	if old, ok := set[uint64(n.Nr)]; ok && len(old.Path) <= len(n.Path) {
		return
	}
	set[uint64(n.Nr)] = n
}

// packageDir returns the directory of a package's files.
func packageDir(p *packages.Package) string {
	if len(p.GoFiles) > 0 {
		return filepath.Dir(p.GoFiles[0])
	}
	return ""
}

// sortNeeds sorts needs by name.
func sortNeeds(ns []Need) {
	sort.Slice(ns, func(i, j int) bool { return ns[i].Name < ns[j].Name })
}

// shortFile shortens a file name to its last three path elements.
func shortFile(name string) string {
	parts := strings.Split(filepath.ToSlash(name), "/")
	if len(parts) > 3 {
		parts = parts[len(parts)-3:]
	}
	return strings.Join(parts, "/")
}

// formatPos formats a position of fset as file:line:column with the file
// shortened by shortFile, or "-" when p is not valid.
func formatPos(fset *token.FileSet, p token.Pos) string {
	if !p.IsValid() {
		return "-"
	}
	position := fset.Position(p)
	return shortFile(position.Filename) + fmt.Sprintf(":%d:%d", position.Line, position.Column)
}

// reachPath returns the shortest call path from a root to fn, ending with the
// position at in fn, as "function (file:line)" entries.
func (p *program) reachPath(r *reach, fn *ssa.Function, at token.Pos) []string {
	var rev []string
	rev = append(rev, fmt.Sprintf("%s (%s)", fn.RelString(nil), p.pos(at)))
	seen := map[*ssa.Function]bool{fn: true}
	for {
		e, ok := r.parent[fn]
		if !ok {
			break
		}
		fn = e.caller
		if seen[fn] {
			break
		}
		seen[fn] = true
		rev = append(rev, fmt.Sprintf("%s (%s)", fn.RelString(nil), edgeWhere(p, e)))
	}
	if why := r.rootWhy[fn]; why != "" && !strings.HasPrefix(why, "package init") && why != "program entry" {
		rev = append(rev, "["+why+"]")
	}
	out := make([]string, len(rev))
	for i := range rev {
		out[i] = rev[len(rev)-1-i]
	}
	return out
}

// edgeWhere says where the call of e is: its position, or how the edge was
// found when it has no call instruction.
func edgeWhere(p *program, e edge) string {
	switch {
	case e.site != nil:
		return p.pos(e.site.Pos())
	case e.kind == edgeLink:
		return "linkname"
	case e.kind == edgeAsmJump || e.kind == edgeAsmCall:
		return "assembly"
	}
	return ""
}
