package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/gen"
)

// TestRuleReasons: -why prints an argument rule's reason after the call
// path, and a note of the analysis that names a syscall the program does
// not need; -json carries the reason as rules_why; -v prints the notes.
func TestRuleReasons(t *testing.T) {
	const (
		why  = "no namespace flags: nothing reachable sets SysProcAttr.Cloneflags"
		note = "os/exec: the child side of the fork path makes only the calls of the fields that can be set (chroot for Chroot)"
	)
	canned(t, func(p *analyzer.Program) {
		for i := range p.Syscalls {
			if p.Syscalls[i].Name == "clone" {
				p.Syscalls[i].Rules = []gen.Rule{{Args: []gen.ArgCond{{Index: 0, Op: gen.OpMaskedEqual, Mask: 0x7e020000}}, Action: gen.Allow}}
				p.Syscalls[i].RulesWhy = why
			}
		}
		p.RuleNotes = []string{note}
	})
	dir := scratchModule(t, map[string]string{"main.go": lockerSource})

	stdout, _ := mustRun(t, dir, exitOK, "-why", "clone", "-arch", "amd64", ".")
	if !strings.Contains(stdout, "(argument rule: "+why+")") {
		t.Errorf("-why clone does not give the rule's reason:\n%s", stdout)
	}
	stdout, _ = mustRun(t, dir, exitOK, "-why", "chroot", "-arch", "amd64", ".")
	if !strings.Contains(stdout, "("+note+")") {
		t.Errorf("-why chroot does not give the note that names it:\n%s", stdout)
	}
	stdout, _ = mustRun(t, dir, exitOK, "-why", "mount", "-arch", "amd64", ".")
	if strings.Contains(stdout, note) {
		t.Errorf("-why mount prints a note that does not name it:\n%s", stdout)
	}

	stdout, _ = mustRun(t, dir, exitOK, "-json", "-arch", "amd64", ".")
	var rep report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range rep.Programs[0].Syscalls {
		switch {
		case s.Name == "clone":
			found = true
			if s.RulesWhy != why || len(s.Rules) != 1 {
				t.Errorf("-json clone: rules %v, rules_why %q", s.Rules, s.RulesWhy)
			}
		case s.RulesWhy != "":
			t.Errorf("-json %s has rules_why %q without a rule of the analysis", s.Name, s.RulesWhy)
		}
	}
	if !found {
		t.Errorf("-json lists no clone")
	}

	_, stderr := mustRun(t, dir, exitOK, "-v", "-arch", "amd64", ".")
	if !strings.Contains(stderr, "argument rules: "+note) {
		t.Errorf("-v does not print the analysis's notes:\n%s", stderr)
	}
}
