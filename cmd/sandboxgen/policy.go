package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/systable"
	"github.com/sandboxgen/sandboxgen/runtimeprofile"
)

// override records a change the command line made to the analysis's
// allow-list, for the report.
type override struct {
	Name   string `json:"name"`
	Action string `json:"action"`
	Reason string `json:"reason"`
}

// needPath is a need's call path, one frame a line, or its origin when it
// has none (the runtime's needs).
func needPath(n analyzer.Need) string {
	if len(n.Path) == 0 {
		return "(" + n.Origin + ")"
	}
	return strings.Join(n.Path, "\n\t")
}

// buildPolicy turns the analysis of one program into the policy to compile:
// the analysis's allow-list with the command line's overrides applied.
func buildPolicy(p *analyzer.Program, o *options) (gen.Policy, []override, error) {
	table, err := systable.Lookup(p.GOARCH)
	if err != nil {
		return gen.Policy{}, nil, err
	}
	def, err := gen.ModeAction(o.mode)
	if err != nil {
		return gen.Policy{}, nil, usageErrorf("-mode %q: %v", o.mode, err)
	}
	pol := p.Policy(def)
	var changes []override
	// runtimeNeed says why the runtime cannot do without name, whoever
	// else needs it: the program's own use of write does not make the
	// runtime's (printing a panic) optional.
	runtimeNeed := func(name string) (string, bool) {
		n, ok := p.RuntimeNeed(name)
		if !ok {
			return "", false
		}
		why := "trigger: " + strings.TrimPrefix(n.Origin, analyzer.OriginRuntimePrefix)
		if strings.Contains(n.Origin, runtimeprofile.TriggerCrash.String()) {
			why += "; the runtime reports panics and fatal errors with it, so without it a crash after Lock would end with no message"
		}
		return why, true
	}

	for _, name := range o.deny {
		if _, ok := table.Number(name); !ok {
			continue // not a syscall on this architecture: nothing to deny
		}
		if group := o.denyGroup[name]; group != "" {
			// A group says what the program should not do; one of its
			// syscalls the program needs is a contradiction to resolve
			// by hand, not to settle by killing the program.
			if n, needed := p.Need(name); needed {
				return gen.Policy{}, nil, usageErrorf("-deny %s: the program needs %s on %s:\n\t%s\ndrop %s from -deny, or deny the syscalls of it the program does not need one by one",
					group, name, p.GOARCH, needPath(n), group)
			}
			continue // not allowed anyway
		}
		if trigger, ok := runtimeNeed(name); ok {
			return gen.Policy{}, nil, usageErrorf("-deny %s: the Go runtime itself needs %s on %s (%s); denying it would crash the program, so drop it from -deny",
				name, name, p.GOARCH, trigger)
		}
		if _, ok := pol.Syscalls[name]; !ok {
			changes = append(changes, override{name, "deny", "-deny (the analysis did not need it either)"})
			continue
		}
		delete(pol.Syscalls, name)
		changes = append(changes, override{name, "deny", "-deny"})
	}

	if o.readonlyFS {
		for _, name := range gen.ReadOnlyOpens() {
			rule, _ := gen.ReadOnlyOpenRule(p.GOARCH, name)
			if _, ok := pol.Syscalls[name]; !ok {
				continue
			}
			pol.Syscalls[name] = []gen.Rule{rule}
			changes = append(changes, override{name, "allow if read-only",
				fmt.Sprintf("-readonly-fs: allowed only when flags (arg %d) & %#x == 0", rule.Args[0].Index, rule.Args[0].Mask)})
		}
		for _, name := range gen.FileChangingSyscalls() {
			if _, ok := pol.Syscalls[name]; !ok {
				continue
			}
			if trigger, ok := runtimeNeed(name); ok {
				return gen.Policy{}, nil, usageErrorf("-readonly-fs: the Go runtime needs %s on %s (%s), which -readonly-fs would deny; drop -readonly-fs",
					name, p.GOARCH, trigger)
			}
			delete(pol.Syscalls, name)
			changes = append(changes, override{name, "deny", "-readonly-fs"})
		}
	}

	for _, name := range o.allow {
		if _, ok := table.Number(name); !ok {
			continue
		}
		if rules, ok := pol.Syscalls[name]; ok && len(rules) == 1 && len(rules[0].Args) == 0 && rules[0].Action == gen.Allow {
			changes = append(changes, override{name, "allow", "-allow (the analysis needed it already)"})
			continue
		}
		pol.Syscalls[name] = []gen.Rule{{Action: gen.Allow}}
		changes = append(changes, override{name, "allow", "-allow"})
	}
	more, err := childNeeds(p, &pol, table, o)
	if err != nil {
		return gen.Policy{}, nil, err
	}
	changes = append(changes, more...)
	slices.SortFunc(changes, func(a, b override) int { return strings.Compare(a.Name, b.Name) })
	return pol, changes, nil
}
