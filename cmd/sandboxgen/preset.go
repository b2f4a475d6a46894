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

// execChildValue is -exec-child: a boolean flag (-exec-child,
// -exec-child=true, -exec-child=false) that also takes "shell", which adds
// the measured shell preset (runtimeprofile.Shell) to the exec group.
type execChildValue struct{ on, shell *bool }

func (v execChildValue) String() string {
	switch {
	case v.shell != nil && *v.shell:
		return "shell"
	case v.on != nil && *v.on:
		return "true"
	}
	return "false"
}

func (v execChildValue) Set(s string) error {
	switch s {
	case "true", "1":
		*v.on, *v.shell = true, false
	case "false", "0":
		*v.on, *v.shell = false, false
	case "shell":
		*v.on, *v.shell = true, true
	default:
		return fmt.Errorf("want true, false or shell")
	}
	return nil
}

// IsBoolFlag lets -exec-child stand alone, as the boolean flag it was.
func (v execChildValue) IsBoolFlag() bool { return true }

// childNeeds adds to pol what the program's children need beyond the
// analysis: the shell preset with -exec-child=shell, and the learned file
// next to main. It returns the changes for the report (-why, -json).
func childNeeds(p *analyzer.Program, pol *gen.Policy, table *systable.Table, o *options) ([]override, error) {
	var changes []override
	if o.execShell {
		changes = append(changes, mergeShellPreset(pol, table, o.deny)...)
	}
	if p.Dir != "" {
		learned, err := readLearned(p.Dir)
		if err != nil {
			return nil, err
		}
		more, err := mergeLearned(pol, table, learned, o.deny)
		if err != nil {
			return nil, err
		}
		changes = append(changes, more...)
	}
	return changes, nil
}

// mergeShellPreset allows the shell preset's syscalls that table has (or
// their equivalents where it lacks one), except what -deny names.
func mergeShellPreset(pol *gen.Policy, table *systable.Table, deny []string) []override {
	var changes []override
	for _, s := range runtimeprofile.Shell {
		names := []string{s.Name}
		if _, ok := table.Number(s.Name); !ok {
			names = runtimeprofile.ShellEquivalents[s.Name]
		}
		for _, name := range names {
			if _, ok := table.Number(name); !ok || slices.Contains(deny, name) {
				continue
			}
			if rules, ok := pol.Syscalls[name]; ok && len(rules) == 1 && len(rules[0].Args) == 0 && rules[0].Action == gen.Allow {
				continue
			}
			if slices.ContainsFunc(changes, func(c override) bool { return c.Name == name }) {
				continue
			}
			pol.Syscalls[name] = []gen.Rule{{Action: gen.Allow}}
			changes = append(changes, override{name, "allow", fmt.Sprintf("-exec-child=shell (%s: %s)", runtimeprofile.ShellTrigger, strings.TrimSpace(s.MadeBy))})
		}
	}
	return changes
}
