package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// The command is a pipeline. Listing and planning run once per run; then,
// per (package, arch): analyse → policy → narrow → compile → render. Each
// step takes what it needs as parameters and returns what it made; only
// the console (the reporter) prints. Nothing is written before output,
// which writes every file or none.

// generate runs the pipeline for every package and architecture the
// command line names and returns every file rendered in memory. Any
// error means nothing gets written.
func generate(o *options, rep *console) ([]*result, error) {
	rep.startRun()
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	mismatch := toolchainMismatch(dir)
	rep.toolchainMismatch(mismatch)
	plans, err := listPlans(o, dir, rep)
	if err != nil {
		return nil, err
	}
	planOf := map[string]*plan{}
	for _, p := range plans {
		planOf[p.pkg.ImportPath] = p
	}
	runs := analysisRuns(plans)
	analysed, err := analyseRuns(runs, dir, mismatch, rep)
	if err != nil {
		return nil, err
	}
	var results []*result
	var unresolved []string
	for i, ar := range runs {
		progs, table := analysed[i].progs, analysed[i].table
		for _, prog := range progs {
			pl := planOf[prog.PkgPath]
			if pl == nil {
				return nil, fmt.Errorf("the analysis returned %s, which was not asked for", prog.PkgPath)
			}
			where := fmt.Sprintf("%s linux/%s", relPackage(dir, pl.pkg), prog.GOARCH)
			rep.analysed(prog, pl, where)
			warn, fail := unresolvedSites(prog, pl.opts)
			for _, line := range warn {
				rep.warn(line+"; the filter denies whatever it calls unless -allow names it", "", "")
			}
			unresolved = append(unresolved, fail...)
			r, err := buildResult(prog, table, pl)
			if err != nil {
				return nil, err
			}
			results = append(results, r)
		}
		if o.why == "" && (i+1 == len(runs) || runs[i+1].key.arch != ar.key.arch) {
			rep.phaseDone("compile and emit linux/%s", ar.key.arch)
		}
	}
	if len(unresolved) > 0 {
		return nil, usageErrorf("%s a number the analysis cannot work out, so the filter cannot be sure to allow them:\n\t%s\nmake the number a constant, or pass -allow-unresolved and name what those sites call with -allow",
			pluralVerb(len(unresolved), "syscall site", "has", "have"), strings.Join(unresolved, "\n\t"))
	}
	sort.SliceStable(results, func(i, j int) bool {
		if results[i].prog.PkgPath != results[j].prog.PkgPath {
			return results[i].prog.PkgPath < results[j].prog.PkgPath
		}
		return results[i].prog.GOARCH < results[j].prog.GOARCH
	})
	rep.runDone()
	return results, nil
}

// listPlans lists the main packages the patterns name, skips those that
// never lock (unless named explicitly) and works out each one's options.
func listPlans(o *options, dir string, rep *console) ([]*plan, error) {
	rep.progress("listing packages")
	listed, err := listMainPackages(dir, o.arches[0], o.tags, o.patterns)
	if err != nil {
		return nil, err
	}
	rep.phaseDone("go list (%s)", plural(len(listed), "main package"))
	var mains []mainPackage
	var skipped []string
	for _, m := range listed {
		if m.Locks || m.Explicit {
			mains = append(mains, m)
		} else {
			skipped = append(skipped, relPackage(dir, m))
		}
	}
	rep.skipped(skipped)
	return planPackages(o, mains, dir, rep)
}

// analysisKey is what one analysis run shares: packages whose options
// agree on it are analysed together.
type analysisKey struct {
	arch, tags, callGraph string
	execChild, noPrune    bool
}

func keyOf(o *options, arch string) analysisKey {
	return analysisKey{arch: arch, tags: strings.Join(o.tags, ","), callGraph: o.callGraph, execChild: o.execChild, noPrune: o.noPrune}
}

// analysisRun is one call of the analysis: the packages that share key.
type analysisRun struct {
	key   analysisKey
	paths []string
	dirs  []string // the packages' directories, for generatedOverlay
	// packages adds up the import closures of the run's programs.
	packages int
}

// analysisRuns groups the plans into analysis runs, the host's
// architecture first, then the others sorted: the go command turns cgo
// off for the others (cross builds), and the host's analysis tells what a
// native build of them with cgo would add (analyzer.Config.CgoFrom).
func analysisRuns(plans []*plan) []analysisRun {
	var arches []string
	for _, p := range plans {
		for _, a := range p.opts.arches {
			if !slices.Contains(arches, a) {
				arches = append(arches, a)
			}
		}
	}
	slices.Sort(arches)
	if i := slices.Index(arches, runtime.GOARCH); i > 0 {
		arches = append(append([]string{runtime.GOARCH}, arches[:i]...), arches[i+1:]...)
	}
	var runs []analysisRun
	for _, arch := range arches {
		first := len(runs)
		for _, p := range plans {
			if !slices.Contains(p.opts.arches, arch) {
				continue
			}
			k := keyOf(p.opts, arch)
			i := slices.IndexFunc(runs[first:], func(r analysisRun) bool { return r.key == k })
			if i < 0 {
				runs = append(runs, analysisRun{key: k})
				i = len(runs) - 1 - first
			}
			runs[first+i].paths = append(runs[first+i].paths, p.pkg.ImportPath)
			runs[first+i].dirs = append(runs[first+i].dirs, p.pkg.Dir)
			runs[first+i].packages += p.pkg.Packages
		}
	}
	return runs
}

// analysedRun is what analysing one run gave.
type analysedRun struct {
	progs []*analyzer.Program
	table *systable.Table
	err   error
}

// analyseRuns analyses the runs and returns what each gave, in the same
// order, or the first run's error. The runs of one architecture go one
// after the other; the architectures run at once when analysisJobs says
// the machine has the cores and memory for it, the host's from the start
// and the others as the rest allow: a cross build's analysis waits for
// the host's only at its end, where it reads the host's results
// (analyzer.Config.CgoFromLater).
func analyseRuns(runs []analysisRun, dir, mismatch string, rep *console) ([]analysedRun, error) {
	var lanes [][]int // run indexes per architecture, the host's first
	var laneMemory uint64
	for i, ar := range runs {
		if i == 0 || ar.key.arch != runs[i-1].key.arch {
			lanes = append(lanes, nil)
		}
		lanes[len(lanes)-1] = append(lanes[len(lanes)-1], i)
		// The runs of a lane go one after the other: the largest decides.
		laneMemory = max(laneMemory, analysisMemory(ar.packages))
	}
	jobs, err := analysisJobs(len(lanes), laneMemory)
	if err != nil {
		return nil, err
	}
	out := make([]analysedRun, len(runs))
	cgoFrom := map[string]*analyzer.Program{}
	if jobs == 1 {
		for i, ar := range runs {
			rep.progress(fmt.Sprintf("analysing %s for linux/%s (%d/%d)", plural(len(ar.paths), "package"), ar.key.arch, i+1, len(runs)))
			progs, table, err := analyseRun(ar, dir, mismatch, func() map[string]*analyzer.Program { return cgoFrom }, cgoFrom)
			if err != nil {
				return nil, err
			}
			out[i] = analysedRun{progs: progs, table: table}
			rep.phaseDone("analysis linux/%s", ar.key.arch)
		}
		return out, nil
	}

	var arches []string
	for _, lane := range lanes {
		arches = append(arches, "linux/"+runs[lane[0]].key.arch)
	}
	rep.progress(fmt.Sprintf("analysing %s for %s (%s)", plural(len(runs[0].paths), "package"), strings.Join(arches, ", "), jobsNote(jobs, len(lanes))))
	// The host's lane (runs are ordered host first) fills cgoFrom and
	// closes hostDone, whatever happens; the other lanes read cgoFrom
	// only after that.
	hostDone := make(chan struct{})
	hostLane := runs[0].key.arch == runtime.GOARCH
	if !hostLane {
		close(hostDone)
	}
	later := func() map[string]*analyzer.Program {
		<-hostDone
		return cgoFrom
	}
	runLane := func(lane []int) {
		for _, i := range lane {
			progs, table, err := analyseRun(runs[i], dir, mismatch, later, cgoFrom)
			out[i] = analysedRun{progs: progs, table: table, err: err}
			if err != nil {
				return
			}
		}
	}
	// The host's lane does not wait for a slot: the others wait for it,
	// so it must never wait for them.
	slots := jobs
	if hostLane {
		slots--
	}
	limit := make(chan struct{}, max(1, slots))
	var wg sync.WaitGroup
	for n, lane := range lanes {
		if n == 0 && hostLane {
			wg.Go(func() {
				defer close(hostDone)
				runLane(lane)
			})
			continue
		}
		wg.Go(func() {
			limit <- struct{}{}
			defer func() { <-limit }()
			runLane(lane)
		})
	}
	wg.Wait()
	for _, r := range out {
		if r.err != nil {
			return nil, r.err
		}
	}
	rep.phaseDone("analysis %s (%s)", strings.Join(arches, ", "), jobsNote(jobs, len(lanes)))
	return out, nil
}

// analyseRun analyses one run's packages with the analyse seam and
// returns them with the syscall table of their architecture. The
// host's results go into cgoFrom for the cross builds after it, unless
// CGO_ENABLED=0 says no build uses cgo. A failure is explained by the
// toolchain mismatch or the build errors when there are any.
func analyseRun(ar analysisRun, dir, mismatch string, later func() map[string]*analyzer.Program, cgoFrom map[string]*analyzer.Program) ([]*analyzer.Program, *systable.Table, error) {
	arch := ar.key.arch
	table, err := systable.Lookup(arch)
	if err != nil {
		return nil, nil, err
	}
	cfg := analyzer.Config{
		GOARCH:    arch,
		Dir:       dir,
		Tags:      splitList(ar.key.tags),
		CallGraph: ar.key.callGraph,
		ExecChild: ar.key.execChild,
		NoPrune:   ar.key.noPrune,
	}
	if arch != runtime.GOARCH && os.Getenv("CGO_ENABLED") != "0" {
		cfg.CgoFromLater = later
	}
	cfg.Overlay = generatedOverlay(ar.dirs)
	rep, err := analyse(cfg, ar.paths...)
	if err != nil {
		if mismatch != "" {
			return nil, nil, usageErrorf("the analysis failed (%v): %s", err, mismatch)
		}
		if out := buildErrors(dir, arch, cfg.Tags, ar.paths); out != "" {
			return nil, nil, usageErrorf("the packages do not build for linux/%s; fix these errors first:\n%s", arch, out)
		}
		return nil, nil, err
	}
	if arch == runtime.GOARCH {
		for _, prog := range rep.Programs {
			cgoFrom[prog.PkgPath] = prog
		}
	}
	return rep.Programs, table, nil
}

// unresolvedSites sorts prog's syscall sites of unknown number: warnings
// when the options let the run go on (-allow-unresolved, or -why, which
// only reports), else failures that stop it.
func unresolvedSites(prog *analyzer.Program, o *options) (warn, fail []string) {
	for _, s := range prog.Unresolved {
		line := fmt.Sprintf("%s: %s: syscall number unknown (%s) [%s, linux/%s]", s.Pos, s.Func, s.Reason, prog.PkgPath, prog.GOARCH)
		if o.allowUnresolved || o.why != "" {
			warn = append(warn, line)
		} else {
			fail = append(fail, line)
		}
	}
	return warn, fail
}

// buildResult takes one analysed program through the rest of the
// pipeline with its package's options: policy, narrow, and, unless the
// run only answers -why, compile and render.
func buildResult(prog *analyzer.Program, table *systable.Table, pl *plan) (*result, error) {
	o := pl.opts
	r := &result{prog: prog, table: table, plan: pl}
	var err error
	r.policy, r.fallback, r.overrides, err = policyFor(prog, o.forArch(table))
	if err != nil {
		return nil, err
	}
	if o.why != "" {
		// -why only reports: nothing to compile or write.
		return r, nil
	}
	t := time.Now()
	r.compiled, err = compileProgram(prog, r.policy, r.fallback)
	if err != nil {
		return nil, fmt.Errorf("%s (linux/%s): %v", prog.PkgPath, prog.GOARCH, err)
	}
	r.compile = time.Since(t)
	r.file = outputFile{Path: filepath.Join(prog.Dir, fileName(o, prog.GOARCH)), Content: withOptionsLine(r.compiled.source, o.optionsArgs())}
	return r, nil
}

// policyFor is the policy and narrow steps: the analysis's allow-list
// with the command line's overrides, and, when the program's pruning
// allows it, the narrow policy with the whole one as its fallback.
func policyFor(prog *analyzer.Program, o *options) (pol gen.Policy, fallback *gen.Policy, overrides []override, err error) {
	pol, overrides, err = buildPolicy(prog, o)
	if err != nil {
		return gen.Policy{}, nil, nil, err
	}
	if narrow, ok := prog.NarrowPolicy(pol, o.allow...); ok {
		wide := pol
		return narrow, &wide, overrides, nil
	}
	return pol, nil, overrides, nil
}

// generatedOverlay replaces every file sandboxgen generated in dirs with an
// empty package main for the analysis (analyzer.Config.Overlay). The
// file's init registers the program before Lock, and selfsandbox.Register
// reads /proc/self/maps and starts the poller: code the first run, before
// any file exists, does not see. Without the files every run analyses the
// same program, so go generate run twice writes the same bytes.
func generatedOverlay(dirs []string) map[string][]byte {
	var overlay map[string][]byte
	for _, dir := range dirs {
		names, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, name := range names {
			if ownedBySandboxgen(name) != nil {
				continue
			}
			if overlay == nil {
				overlay = map[string][]byte{}
			}
			overlay[name] = []byte("package main\n")
		}
	}
	return overlay
}
