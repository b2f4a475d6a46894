package main

import (
	"encoding/json"
	"os"
	"path/filepath"
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

// TestSyscallGroups: -allow and -deny take @groups; the generated files
// record the group as given; a -deny group with a syscall the program
// needs is refused with that syscall's call path, while a single name is
// denied as before; an unknown group is a usage error that lists the
// groups.
func TestSyscallGroups(t *testing.T) {
	canned(t, nil)
	dir := scratchModule(t, map[string]string{"main.go": lockerSource})
	file := filepath.Join(dir, "sandbox_linux_amd64.go")

	mustRun(t, dir, exitOK, "-arch", "amd64", "-allow", "@bpf", "-deny", "@mount,@setuid", ".")
	src, _ := os.ReadFile(file)
	if !strings.Contains(string(src), "// sandboxgen:options -arch=amd64 -allow=@bpf -deny=@mount,@setuid\n") {
		t.Errorf("the groups are not recorded as given:\n%.400s", src)
	}
	if !strings.Contains(string(src), `{Name: "bpf"`) {
		t.Errorf("-allow @bpf does not allow bpf:\n%s", src)
	}

	_, stderr := mustRun(t, dir, exitBadInput, "-arch", "amd64", "-deny", "@network-io", ".")
	for _, want := range []string{"-deny @network-io: the program needs connect on amd64", "example.com/scratch.main (main.go:7:2)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("-deny @network-io: want %q in\n%s", want, stderr)
		}
	}
	mustRun(t, dir, exitOK, "-arch", "amd64", "-deny", "connect", ".")
	if src, _ := os.ReadFile(file); strings.Contains(string(src), `{Name: "connect"`) {
		t.Errorf("-deny connect still allows connect")
	}

	_, stderr = mustRun(t, dir, exitBadInput, "-arch", "amd64", "-deny", "@nosuch", ".")
	if !strings.Contains(stderr, "@nosuch: no such syscall group; the groups are @bpf") {
		t.Errorf("-deny @nosuch:\n%s", stderr)
	}
}
