package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// Exit statuses.
const (
	exitOK         = 0
	exitCheckStale = 1
	exitBadInput   = 2
)

// generatedHeader starts every file sandboxgen writes; a file of the same
// name without it belongs to the user and is never overwritten.
const generatedHeader = gen.GeneratedHeader

// result is one program on one architecture, ready to write.
type result struct {
	prog   *analyzer.Program
	table  *systable.Table
	policy gen.Policy
	// fallback is the whole policy when policy leaves out what goroutines
	// started before Lock need (see analyzer.Program.Outliving).
	fallback  *gen.Policy
	overrides []override
	file      outputFile
	compiled  compiled
	compile   time.Duration
}

// overridden returns how the command line changed name's verdict, or "".
func (r *result) overridden(name string) string {
	for _, o := range r.overrides {
		if o.Name == name {
			return o.Action + " by " + o.Reason
		}
	}
	return ""
}

// actionFor describes what the filter does with name.
func (r *result) actionFor(name string) string {
	rules, ok := r.policy.Syscalls[name]
	if !ok {
		return r.policy.Default.String()
	}
	var parts []string
	for _, rule := range rules {
		parts = append(parts, describeRule(rule))
	}
	return strings.Join(parts, "; ") + "; otherwise " + r.policy.Default.String()
}

func describeRule(rule gen.Rule) string {
	if len(rule.Args) == 0 {
		return rule.Action.String()
	}
	var conds []string
	for _, c := range rule.Args {
		switch c.Op {
		case gen.OpMaskedEqual:
			conds = append(conds, fmt.Sprintf("arg%d & %#x == %#x", c.Index, c.Mask, c.Value))
		default:
			conds = append(conds, fmt.Sprintf("arg%d %s %#x", c.Index, c.Op, c.Value))
		}
	}
	return rule.Action.String() + " if " + strings.Join(conds, " && ")
}

// phaseTimer prints phase timings with -v.
type phaseTimer struct {
	w     io.Writer
	on    bool
	start time.Time
}

func (t *phaseTimer) done(format string, args ...any) {
	if t.on {
		fmt.Fprintf(t.w, "sandboxgen: %-40s %8.1f ms\n", fmt.Sprintf(format, args...), float64(time.Since(t.start).Microseconds())/1000)
	}
	t.start = time.Now()
}

// run is the whole command; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if status, ok := subcommand(args, stdout, stderr); ok {
		return status
	}
	o, err := parseOptions(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "sandboxgen: %v\n", err)
		return exitBadInput
	}
	results, err := analyseAll(o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "sandboxgen: %v\n", err)
		return exitBadInput
	}
	return output(o, results, stdout, stderr)
}

// analyseAll resolves the packages, analyses them for every target and
// renders every file in memory. Any error means nothing gets written.
func analyseAll(o *options, stderr io.Writer) ([]*result, error) {
	total := time.Now()
	timer := &phaseTimer{w: stderr, on: o.verbose, start: time.Now()}
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	mains, err := listMainPackages(dir, o.arches[0], o.tags, o.patterns)
	if err != nil {
		return nil, err
	}
	timer.done("go list (%d main packages)", len(mains))
	paths := make([]string, len(mains))
	for i, m := range mains {
		paths[i] = m.ImportPath
	}

	var results []*result
	var unresolved []string
	// The host's architecture goes first: the go command turns cgo off for
	// the others (cross builds), and the host's analysis tells what a
	// native build of them with cgo would add (analyzer.Config.CgoFrom),
	// unless CGO_ENABLED=0 says no build uses cgo.
	arches := slices.Clone(o.arches)
	if i := slices.Index(arches, runtime.GOARCH); i > 0 {
		arches = append(append([]string{runtime.GOARCH}, arches[:i]...), arches[i+1:]...)
	}
	var cgoFrom map[string]*analyzer.Program
	for _, arch := range arches {
		table, err := systable.Lookup(arch)
		if err != nil {
			return nil, err
		}
		cfg := analyzer.Config{
			GOARCH:    arch,
			Dir:       dir,
			Tags:      o.tags,
			CallGraph: o.callGraph,
			ExecChild: o.execChild,
			NoPrune:   o.noPrune,
		}
		if arch != runtime.GOARCH {
			cfg.CgoFrom = cgoFrom
		}
		rep, err := analyzer.Analyze(cfg, paths...)
		if err != nil {
			if out := buildErrors(dir, arch, o.tags, paths); out != "" {
				return nil, usageErrorf("the packages do not build for linux/%s; fix these errors first:\n%s", arch, out)
			}
			return nil, err
		}
		timer.done("analysis linux/%s", arch)
		if arch == runtime.GOARCH && os.Getenv("CGO_ENABLED") != "0" {
			cgoFrom = map[string]*analyzer.Program{}
			for _, p := range rep.Programs {
				cgoFrom[p.PkgPath] = p
			}
		}
		for _, p := range rep.Programs {
			if o.verbose {
				fmt.Fprintf(stderr, "sandboxgen:   %s linux/%s: %d packages, %d syscalls; load %v, ssa %v, callgraph %v, syscalls %v\n",
					p.PkgPath, arch, p.Packages, len(p.Syscalls), ms(p.Timings.Load), ms(p.Timings.SSA), ms(p.Timings.CallGraph), ms(p.Timings.Syscalls))
			}
			if o.verbose {
				if p.Pruning.Applied {
					fmt.Fprintf(stderr, "sandboxgen:   %s linux/%s: %d syscalls needed only before Lock (%s) left out\n", p.PkgPath, arch, len(p.Pruned), p.Pruning.LockAt)
				} else {
					fmt.Fprintf(stderr, "sandboxgen:   %s linux/%s: nothing pruned: %s\n", p.PkgPath, arch, p.Pruning.Reason)
				}
			}
			for _, w := range p.Warnings {
				fmt.Fprintf(stderr, "sandboxgen: warning: %s (linux/%s): %s\n", p.PkgPath, arch, w)
			}
			if len(p.Unresolved) > 0 {
				for _, s := range p.Unresolved {
					line := fmt.Sprintf("%s: %s: syscall number unknown (%s) [%s, linux/%s]", s.Pos, s.Func, s.Reason, p.PkgPath, arch)
					if o.allowUnresolved || o.why != "" {
						fmt.Fprintf(stderr, "sandboxgen: warning: %s; the filter denies whatever it calls unless -allow names it\n", line)
					} else {
						unresolved = append(unresolved, line)
					}
				}
			}
			r := &result{prog: p, table: table}
			r.policy, r.overrides, err = buildPolicy(p, o)
			if err != nil {
				return nil, err
			}
			if narrow, ok := p.NarrowPolicy(r.policy, o.allow...); ok {
				wide := r.policy
				r.policy, r.fallback = narrow, &wide
			}
			if o.why != "" {
				// -why only reports: nothing to compile or write.
				results = append(results, r)
				continue
			}
			t := time.Now()
			r.compiled, err = compileProgram(p, r.policy, r.fallback)
			if err != nil {
				return nil, fmt.Errorf("%s (linux/%s): %v", p.PkgPath, arch, err)
			}
			r.compile = time.Since(t)
			r.file = outputFile{Path: filepath.Join(p.Dir, fileName(o, arch)), Content: r.compiled.source}
			results = append(results, r)
		}
		if o.why == "" {
			timer.done("compile and emit linux/%s", arch)
		}
	}
	if len(unresolved) > 0 {
		return nil, usageErrorf("%d syscall sites have a number the analysis cannot work out, so the filter cannot be sure to allow them:\n\t%s\nmake the number a constant, or pass -allow-unresolved and name what those sites call with -allow",
			len(unresolved), strings.Join(unresolved, "\n\t"))
	}
	sort.SliceStable(results, func(i, j int) bool {
		if results[i].prog.PkgPath != results[j].prog.PkgPath {
			return results[i].prog.PkgPath < results[j].prog.PkgPath
		}
		return results[i].prog.GOARCH < results[j].prog.GOARCH
	})
	if o.verbose {
		fmt.Fprintf(stderr, "sandboxgen: %-40s %8.1f ms\n", "total", float64(time.Since(total).Microseconds())/1000)
	}
	return results, nil
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }

// fileName is the name of the file for arch inside a package directory.
func fileName(o *options, arch string) string {
	if o.output == "" {
		return defaultFileName(arch)
	}
	return strings.ReplaceAll(o.output, archPlaceholder, arch)
}

// output writes, checks or reports the results and returns the exit status.
func output(o *options, results []*result, stdout, stderr io.Writer) int {
	dir, _ := os.Getwd()
	if o.format != formatGo {
		return exportProfile(o, results, stdout, stderr)
	}
	if o.why != "" {
		for _, name := range splitList(o.why) {
			writeWhy(stdout, name, results)
		}
		return exitOK
	}
	files := make([]outputFile, len(results))
	for i, r := range results {
		files[i] = r.file
	}
	status := exitOK
	stale := map[string]bool{}
	if o.check {
		diffs := checkFiles(files, dir)
		for _, d := range diffs {
			stale[strings.SplitN(d, ":", 2)[0]] = true
			fmt.Fprint(stderr, d)
			if !strings.HasSuffix(d, "\n") {
				fmt.Fprintln(stderr)
			}
		}
		if len(diffs) > 0 {
			fmt.Fprintf(stderr, "sandboxgen: %d of %d generated files are stale\n", len(diffs), len(files))
			status = exitCheckStale
		} else if o.verbose {
			fmt.Fprintf(stderr, "sandboxgen: %d generated files are up to date\n", len(files))
		}
	} else {
		for _, f := range files {
			if err := ownedBySandboxgen(f.Path); err != nil {
				fmt.Fprintf(stderr, "sandboxgen: %v\n", err)
				return exitBadInput
			}
		}
		t := time.Now()
		if err := writeAll(files); err != nil {
			fmt.Fprintf(stderr, "sandboxgen: %v\n", err)
			return exitBadInput
		}
		if o.verbose {
			for _, f := range files {
				fmt.Fprintf(stderr, "sandboxgen: wrote %s (%d bytes)\n", relPath(dir, f.Path), len(f.Content))
			}
			fmt.Fprintf(stderr, "sandboxgen: %-40s %8.1f ms\n", "write", float64(time.Since(t).Microseconds())/1000)
		}
	}
	if o.json {
		rep := buildReport(o, results, dir, stale)
		if err := writeJSON(stdout, rep); err != nil {
			fmt.Fprintf(stderr, "sandboxgen: %v\n", err)
			return exitBadInput
		}
	}
	return status
}

// ownedBySandboxgen fails when path exists and was not written by
// sandboxgen: that file is the user's, and -o must pick another name.
func ownedBySandboxgen(path string) error {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	} else if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	if !bytes.Contains(head[:n], []byte(generatedHeader)) {
		return fmt.Errorf("%s exists and was not generated by sandboxgen; rename it or choose another file name with -o", path)
	}
	return nil
}

func relPath(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil {
		return rel
	}
	return path
}

func buildReport(o *options, results []*result, dir string, stale map[string]bool) *report {
	rep := &report{Generator: generatorVersion(), Mode: o.mode, Check: o.check, Programs: []programReport{}}
	for _, r := range results {
		p := r.prog
		pr := programReport{
			Package:       p.PkgPath,
			Dir:           p.Dir,
			Arch:          p.GOARCH,
			GoVersion:     p.GoVersion,
			File:          r.file.Path,
			DefaultAction: r.policy.Default.String(),
			Instructions:  r.compiled.instructions,
			Packages:      p.Packages,
			Overrides:     r.overrides,
			Pruning:       pruningReport{Applied: p.Pruning.Applied, LockAt: p.Pruning.LockAt, Reason: p.Pruning.Reason},
			Pruned:        []syscallReport{},
			Unresolved:    sitesOf(p.Unresolved),
			Warnings:      append([]string{}, p.Warnings...),
			Features:      featureReport(p.Features),
			TimingsMS: timingReport{
				Load:      msf(p.Timings.Load),
				SSA:       msf(p.Timings.SSA),
				CallGraph: msf(p.Timings.CallGraph),
				Syscalls:  msf(p.Timings.Syscalls),
				Analysis:  msf(p.Timings.Total),
				Compile:   msf(r.compile),
			},
		}
		if o.check {
			s := stale[relPath(dir, r.file.Path)]
			pr.Stale = &s
		}
		for _, n := range p.Pruned {
			pr.Pruned = append(pr.Pruned, syscallReport{Name: n.Name, Nr: n.Nr, Action: r.actionFor(n.Name), Origin: n.Origin, Path: n.Path})
		}
		if r.fallback != nil {
			pr.Fallback = &fallbackReport{Allowed: r.compiled.fallbackAllowed}
			for _, g := range p.Outliving {
				gr := goroutineReport{Pos: g.Pos, Func: g.Func}
				for _, n := range g.Needs {
					gr.Syscalls = append(gr.Syscalls, syscallReport{Name: n.Name, Nr: n.Nr, Action: r.actionFor(n.Name), Origin: n.Origin, Path: n.Path})
				}
				pr.Fallback.Goroutines = append(pr.Fallback.Goroutines, gr)
			}
		}
		// Every syscall the filter does not simply deny: the analysis's
		// needs, plus what -allow added.
		needs := map[string]analyzer.Need{}
		for _, n := range p.Syscalls {
			needs[n.Name] = n
		}
		names := make([]string, 0, len(r.policy.Syscalls))
		for name := range r.policy.Syscalls {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			rules := r.policy.Syscalls[name]
			nr, _ := r.table.Number(name)
			sr := syscallReport{Name: name, Nr: nr, Origin: "-allow"}
			if n, ok := needs[name]; ok {
				sr.Origin, sr.Path = n.Origin, n.Path
			}
			if len(rules) == 1 && len(rules[0].Args) == 0 {
				sr.Action = rules[0].Action.String()
			} else {
				sr.Action = "rules"
				for _, rule := range rules {
					sr.Rules = append(sr.Rules, describeRule(rule))
				}
			}
			pr.Syscalls = append(pr.Syscalls, sr)
		}
		rep.Programs = append(rep.Programs, pr)
	}
	return rep
}

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
