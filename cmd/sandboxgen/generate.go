package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	plan      *plan
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

// analyse is the analysis the command runs. It is a variable so that the
// tests of flags, files and messages can run on canned results.
var analyse = analyzer.Analyze

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
	ui := newConsole(stderr, o.verbose)
	defer ui.stop()
	noteNumbers(stderr, o)
	results, err := generate(o, ui)
	ui.stop()
	// -check and -why answer one question; their warnings wait for -v.
	if o.verbose || (!o.check && o.why == "") {
		ui.flushWarnings()
	}
	if err != nil {
		fmt.Fprintf(stderr, "sandboxgen: %v\n", err)
		return exitBadInput
	}
	return output(o, results, stdout, stderr)
}

// noteNumbers prints what each syscall number of the command line's -allow,
// -deny and -why names on each target architecture.
func noteNumbers(stderr io.Writer, o *options) {
	for _, list := range []struct {
		flag  string
		names []string
	}{{"-allow", o.allow}, {"-deny", o.deny}, {"-why", splitList(o.why)}} {
		for _, n := range list.names {
			if _, isNr := syscallNumber(n); !isNr {
				continue
			}
			var on []string
			for _, arch := range o.arches {
				t, err := systable.Lookup(arch)
				if err != nil {
					continue
				}
				if name, ok := resolveSyscall(t, n); ok {
					on = append(on, fmt.Sprintf("%s on linux/%s", name, arch))
				} else {
					on = append(on, fmt.Sprintf("no syscall on linux/%s", arch))
				}
			}
			fmt.Fprintf(stderr, "sandboxgen: %s %s is %s\n", list.flag, n, strings.Join(on, ", "))
		}
	}
}

// plan is one main package to generate for: the options its files are
// generated with and the generated files it has now.
type plan struct {
	pkg  mainPackage
	opts *options
	// existing are the files in the package directory that sandboxgen
	// generated, whatever their name.
	existing []generatedFile
}

// planPackages works out each package's options: those its generated files
// record, with the command line's explicit flags over them. It reports on
// stderr each explicit flag that changes a recorded value.
func planPackages(o *options, mains []mainPackage, dir string, stderr io.Writer) ([]*plan, error) {
	var plans []*plan
	for _, m := range mains {
		existing, err := readGenerated(m.Dir)
		if err != nil {
			return nil, err
		}
		p := &plan{pkg: m, existing: existing}
		name := relPackage(dir, m)
		var first string
		for _, f := range existing {
			opts, err := o.withRecorded(f.options)
			if err != nil {
				return nil, usageErrorf("%s records options sandboxgen cannot read (%q: %v); delete the generated files and run sandboxgen again with the flags you want",
					relPath(dir, f.path), strings.Join(f.options, " "), err)
			}
			line := strings.Join(opts.optionsArgs(), " ")
			if p.opts == nil {
				p.opts, first = opts, f.path
			} else if now := strings.Join(p.opts.optionsArgs(), " "); now != line {
				return nil, usageErrorf("%s: the generated files record different options: %s has %q, %s has %q; give the options you want on the command line (e.g. sandboxgen %s %s), or delete the files and generate them again",
					name, relPath(dir, first), strings.Join(recordedOf(existing, first), " "), relPath(dir, f.path), strings.Join(f.options, " "), strings.Join(f.options, " "), name)
			}
		}
		if p.opts == nil {
			p.opts, err = o.withRecorded(nil)
			if err != nil {
				return nil, err
			}
		} else {
			reportChanges(stderr, o, p, name)
		}
		if err := p.opts.validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// recordedOf returns the recorded options of the file at path.
func recordedOf(files []generatedFile, path string) []string {
	for _, f := range files {
		if f.path == path {
			return f.options
		}
	}
	return nil
}

// reportChanges prints, in one line, the explicit flags that change what
// p's files record.
func reportChanges(stderr io.Writer, o *options, p *plan, name string) {
	base := &options{}
	recordedOpts, err := base.withRecorded(p.existing[0].options)
	if err != nil {
		return
	}
	was, now := recordedOpts.recordedValues(), p.opts.recordedValues()
	var changes []string
	for _, arg := range o.explicit {
		flagName := strings.TrimPrefix(strings.SplitN(arg, "=", 2)[0], "-")
		if was[flagName] == now[flagName] {
			continue
		}
		changes = append(changes, fmt.Sprintf("-%s=%s (recorded: %s)", flagName, now[flagName], orDefault(was[flagName])))
	}
	if len(changes) == 0 {
		return
	}
	what := "the files will record the new value"
	if o.check || o.json || o.why != "" {
		what = "for this run only: nothing is written"
	}
	fmt.Fprintf(stderr, "sandboxgen: %s: the command line changes recorded options: %s; %s\n", name, strings.Join(changes, ", "), what)
}

func orDefault(v string) string {
	if v == "" {
		return "default"
	}
	return v
}

// relPackage names a main package for messages: its directory relative to
// dir, as a pattern would name it, or its import path.
func relPackage(dir string, m mainPackage) string {
	if rel, err := filepath.Rel(dir, m.Dir); err == nil && !strings.HasPrefix(rel, "..") {
		if rel == "." {
			return "."
		}
		return "./" + filepath.ToSlash(rel)
	}
	return m.ImportPath
}

// forArch returns o with the syscall numbers in -allow and -deny replaced
// by their names on table's architecture; a number that is no syscall
// there is dropped, as a name unknown there is ignored.
func (o *options) forArch(table *systable.Table) *options {
	c := *o
	resolve := func(list []string) []string {
		var out []string
		for _, n := range list {
			if name, ok := resolveSyscall(table, n); ok {
				out = append(out, name)
			} else if _, isNr := syscallNumber(n); !isNr {
				out = append(out, n)
			}
		}
		return out
	}
	c.allow, c.deny = resolve(o.allow), resolve(o.deny)
	return &c
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
// Only a run without -why, -json and -check writes files.
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
	obsolete := obsoleteFiles(results, files)
	status := exitOK
	stale := map[string]bool{}
	switch {
	case o.check:
		diffs := checkFiles(files, dir)
		for _, path := range obsolete {
			diffs = append(diffs, fmt.Sprintf("%s: obsolete (the recorded options no longer generate it); run sandboxgen (or go generate) to remove it\n", relPath(dir, path)))
		}
		for _, d := range diffs {
			stale[strings.SplitN(d, ":", 2)[0]] = true
			fmt.Fprint(stderr, d)
			if !strings.HasSuffix(d, "\n") {
				fmt.Fprintln(stderr)
			}
		}
		if len(diffs) > 0 {
			fmt.Fprintf(stderr, "sandboxgen: %d of %s %s stale\n", len(diffs), plural(len(files)+len(obsolete), "generated file"), map[bool]string{true: "is", false: "are"}[len(diffs) == 1])
			status = exitCheckStale
		} else if o.verbose {
			fmt.Fprintf(stderr, "sandboxgen: %s up to date\n", pluralVerb(len(files), "generated file", "is", "are"))
		}
	case o.json:
		// A report: nothing is written.
	default:
		for _, f := range files {
			if err := ownedBySandboxgen(f.Path); err != nil {
				fmt.Fprintf(stderr, "sandboxgen: %v\n", err)
				return exitBadInput
			}
		}
		t := time.Now()
		if err := writeAll(files, obsolete); err != nil {
			fmt.Fprintf(stderr, "sandboxgen: %v; no file was changed\n", err)
			return exitBadInput
		}
		for _, path := range obsolete {
			fmt.Fprintf(stderr, "sandboxgen: removed %s: the options no longer generate it\n", relPath(dir, path))
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

// obsoleteFiles returns the generated files in the results' packages that
// the run does not generate again (they are not among files): those of an
// architecture or a file name the options no longer name.
func obsoleteFiles(results []*result, files []outputFile) []string {
	keep := map[string]bool{}
	for _, f := range files {
		keep[f.Path] = true
	}
	plans := map[*plan]bool{}
	for _, r := range results {
		plans[r.plan] = true
	}
	var out []string
	for p := range plans {
		for _, f := range p.existing {
			if !keep[f.path] {
				out = append(out, f.path)
			}
		}
	}
	sort.Strings(out)
	return out
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
	for i, r := range results {
		p := r.prog
		if i == 0 {
			rep.Mode = r.plan.opts.mode
		}
		pr := programReport{
			Options:       append([]string{}, r.plan.opts.optionsArgs()...),
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
			C:             cReportOf(p),
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
				if len(n.Rules) > 0 {
					sr.RulesWhy = n.RulesWhy
				}
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
