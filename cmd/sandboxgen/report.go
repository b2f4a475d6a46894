package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"github.com/sandboxgen/sandboxgen/analyzer"
)

// report is what -json prints: everything the command worked out.
type report struct {
	Generator string          `json:"generator"`
	Mode      string          `json:"mode"` // the first program's -mode
	Check     bool            `json:"check,omitempty"`
	Programs  []programReport `json:"programs"`
}

// programReport is one main package on one architecture.
type programReport struct {
	Package   string `json:"package"`
	Dir       string `json:"dir"`
	Arch      string `json:"arch"`
	GoVersion string `json:"go_version"`
	File      string `json:"file"`
	// Options are the flags the file records (and this run used), as
	// its "// sandboxgen:options" line has them.
	Options       []string        `json:"options"`
	Stale         *bool           `json:"stale,omitempty"` // only with -check
	DefaultAction string          `json:"default_action"`
	Instructions  int             `json:"instructions"`
	Packages      int             `json:"packages"`
	Syscalls      []syscallReport `json:"syscalls"`
	Overrides     []override      `json:"overrides,omitempty"`
	Pruning       pruningReport   `json:"pruning"`
	Pruned        []syscallReport `json:"pruned"` // needed only before Lock: left out`
	Unresolved    []siteReport    `json:"unresolved"`
	Warnings      []string        `json:"warnings"`
	Features      featureReport   `json:"features"`
	// C is what the analysis of the program's C code read and could not
	// read, for a program with C code of its own.
	C *cReport `json:"c,omitempty"`
	// Fallback is the wider filter the file carries for goroutines
	// started before Lock that may still run, if there is one.
	Fallback  *fallbackReport `json:"fallback,omitempty"`
	TimingsMS timingReport    `json:"timings_ms"`
}

// fallbackReport describes a program's fallback filter.
type fallbackReport struct {
	Allowed    int               `json:"allowed"`
	Goroutines []goroutineReport `json:"goroutines"`
}

// goroutineReport is a go statement that may run before Lock, with what
// its goroutines need beyond the program's own filter.
type goroutineReport struct {
	Pos      string          `json:"pos"`
	Func     string          `json:"func"`
	Syscalls []syscallReport `json:"syscalls"`
}

// syscallReport is one syscall the filter lets through (possibly under an
// argument rule) or answers with an errno.
type syscallReport struct {
	Name   string   `json:"name"`
	Nr     uint32   `json:"nr"`
	Action string   `json:"action"`
	Rules  []string `json:"rules,omitempty"`
	// RulesWhy is why the analysis proves its argument rules, when the
	// rules are the analysis's.
	RulesWhy string   `json:"rules_why,omitempty"`
	Origin   string   `json:"origin"`
	Path     []string `json:"path,omitempty"`
}

// pruningReport says whether the syscalls needed only before
// selfsandbox.Lock were left out, and where Lock is (or why not).
type pruningReport struct {
	Applied bool   `json:"applied"`
	LockAt  string `json:"lock_at,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// siteReport is a syscall site whose number is unknown.
type siteReport struct {
	Pos    string   `json:"pos"`
	Func   string   `json:"func"`
	Reason string   `json:"reason"`
	Path   []string `json:"path,omitempty"`
}

// featureReport mirrors analyzer.Features with JSON names.
type featureReport struct {
	Cgo     bool `json:"cgo"`
	OsExec  bool `json:"os_exec"`
	Pprof   bool `json:"pprof"`
	Plugin  bool `json:"plugin"`
	Reflect bool `json:"reflect"`
	Signal  bool `json:"signal"`
}

// timingReport holds phase durations in milliseconds.
type timingReport struct {
	Load      float64 `json:"load"`
	SSA       float64 `json:"ssa"`
	CallGraph float64 `json:"callgraph"`
	Syscalls  float64 `json:"syscalls"`
	Analysis  float64 `json:"analysis"`
	Compile   float64 `json:"compile"`
}

func sitesOf(sites []analyzer.Site) []siteReport {
	out := make([]siteReport, 0, len(sites))
	for _, s := range sites {
		out = append(out, siteReport{Pos: s.Pos, Func: s.Func, Reason: s.Reason, Path: s.Path})
	}
	return out
}

func writeJSON(w io.Writer, r *report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// writeWhy prints, like go mod why, why each program needs the syscall
// name: the call path from main (or the runtime trigger), or that it does
// not need it and what the filter does with it then.
// A number names the syscall of that number on each architecture.
func writeWhy(w io.Writer, asked string, results []*result) {
	for _, r := range results {
		p := r.prog
		name := asked
		if _, isNr := syscallNumber(asked); isNr {
			n, ok := resolveSyscall(r.table, asked)
			if !ok {
				fmt.Fprintf(w, "# %s (%s, linux/%s)\n(no syscall has number %s on %s)\n\n", asked, p.PkgPath, p.GOARCH, asked, p.GOARCH)
				continue
			}
			name = n
			fmt.Fprintf(w, "# %s = %s (%s, linux/%s)\n", asked, name, p.PkgPath, p.GOARCH)
		} else {
			fmt.Fprintf(w, "# %s (%s, linux/%s)\n", name, p.PkgPath, p.GOARCH)
		}
		if how := r.overridden(name); how != "" {
			fmt.Fprintf(w, "(%s)\n", how)
		}
		n, ok := p.Need(name)
		pruned, wasPruned := prunedNeed(p, name)
		switch {
		case !ok && wasPruned:
			fmt.Fprintf(w, "(needed only before selfsandbox.Lock at %s, so the filter answers it with %s)\n", p.Pruning.LockAt, r.actionFor(name))
			for i, step := range pruned.Path {
				fmt.Fprintf(w, "%s%s\n", strings.Repeat("  ", min(i, 1)), step)
			}
		case !ok:
			if _, has := r.table.Number(name); !has {
				fmt.Fprintf(w, "(%s is not a syscall on %s)\n", name, p.GOARCH)
			} else if r.overridden(name) != "" {
				fmt.Fprintf(w, "(the analysis does not find %s in the program's code; the filter answers it with %s)\n", name, r.actionFor(name))
			} else {
				fmt.Fprintf(w, "(the program does not need %s: the filter answers it with %s)\n", name, r.actionFor(name))
			}
			if len(p.CDlopen) > 0 {
				fmt.Fprintf(w, "(not analysed: the libraries that %s load%s with dlopen at run time; if one of them makes %s, allow it with -allow, or learn it with sandboxgen trace)\n",
					strings.Join(p.CDlopen, ", "), map[bool]string{true: "s", false: ""}[len(p.CDlopen) == 1], name)
			}
		case strings.HasPrefix(n.Origin, analyzer.OriginRuntimePrefix):
			fmt.Fprintf(w, "the Go runtime (%s) needs it; trigger: %s\n", p.GoVersion, strings.TrimPrefix(n.Origin, analyzer.OriginRuntimePrefix))
		case len(n.Path) == 0:
			fmt.Fprintf(w, "the program needs it (origin %s; no call path recorded)\n", n.Origin)
		default:
			for i, step := range n.Path {
				fmt.Fprintf(w, "%s%s\n", strings.Repeat("  ", min(i, 1)), step)
			}
		}
		if ok && len(n.Rules) > 0 && n.RulesWhy != "" {
			fmt.Fprintf(w, "(argument rule: %s)\n", n.RulesWhy)
		}
		if !ok {
			for _, note := range notesNaming(p, name) {
				fmt.Fprintf(w, "(%s)\n", note)
			}
		}
		if ok {
			// Needed is not always allowed: clone3 gets ENOSYS, -deny
			// and -readonly-fs take syscalls away or add rules.
			if stmts := outlivingNeeding(p, name); len(stmts) > 0 && r.fallback != nil {
				fmt.Fprintf(w, "(only goroutines started before Lock need it, at %s: the filter answers it with %s, "+
					"and Lock installs the fallback filter, which allows it, if one of them is still running)\n",
					strings.Join(stmts, ", "), r.actionFor(name))
			} else if action := r.actionFor(name); action != "allow; otherwise "+r.policy.Default.String() {
				fmt.Fprintf(w, "(the filter answers it with %s)\n", action)
			}
		}
		fmt.Fprintln(w)
	}
}

// notesNaming returns the analysis's notes on argument rules that name
// syscall name as a word (the os/exec note lists the child-side syscalls
// it leaves out).
func notesNaming(p *analyzer.Program, name string) []string {
	var out []string
	for _, note := range p.RuleNotes {
		words := strings.FieldsFunc(note, func(r rune) bool { return !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) })
		if slices.Contains(words, name) {
			out = append(out, note)
		}
	}
	return out
}

// prunedNeed returns the need for name among the syscalls left out because
// the program makes them only before Lock.
func prunedNeed(p *analyzer.Program, name string) (analyzer.Need, bool) {
	for _, n := range p.Pruned {
		if n.Name == name {
			return n, true
		}
	}
	return analyzer.Need{}, false
}

// outlivingNeeding returns the positions of the go statements before Lock
// whose goroutines alone need name.
func outlivingNeeding(p *analyzer.Program, name string) []string {
	var out []string
	for _, g := range p.Outliving {
		for _, n := range g.Needs {
			if n.Name == name {
				out = append(out, g.Pos)
			}
		}
	}
	return out
}
