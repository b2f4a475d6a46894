package analyzer

import (
	"maps"
	"slices"
	"strings"

	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/seccompabi"
	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// Policy returns the allow-list policy the analysis supports for the
// program: every syscall in p.Syscalls is allowed (only for the argument
// values of its Rules when it has any, or answered with its Errno when
// that is set), except clone3, which is always
// answered with ENOSYS (its flags are behind a pointer no filter can read,
// and callers fall back to clone); every other syscall gets def. The caller
// owns the returned policy and may add overrides to it.
func (p *Program) Policy(def gen.Action) gen.Policy {
	pol := gen.Policy{
		Arch:     p.GOARCH,
		Default:  def,
		BadArch:  gen.KillProcess,
		Syscalls: make(map[string][]gen.Rule, len(p.Syscalls)+1),
	}
	for _, n := range p.Syscalls {
		if len(n.Rules) > 0 && n.Errno == 0 {
			pol.Syscalls[n.Name] = slices.Clone(n.Rules)
			continue
		}
		act := gen.Allow
		if n.Errno != 0 {
			act = gen.Errno(n.Errno)
		}
		pol.Syscalls[n.Name] = []gen.Rule{{Action: act}}
	}
	if _, ok := pol.Syscalls["clone3"]; ok {
		pol.Syscalls["clone3"] = []gen.Rule{{Action: gen.Errno(seccompabi.ENOSYS(p.GOARCH))}}
	}
	return pol
}

// Names returns the names of the needed syscalls, sorted.
func (p *Program) Names() []string {
	names := make([]string, len(p.Syscalls))
	for i, n := range p.Syscalls {
		names[i] = n.Name
	}
	return names
}

// Need returns the need for the named syscall, if the program has it.
func (p *Program) Need(name string) (Need, bool) {
	for _, n := range p.Syscalls {
		if n.Name == name {
			return n, true
		}
	}
	return Need{}, false
}

// RuntimeNeed returns the runtime's own need for the named syscall (see
// Program.Runtime), if the runtime issues it in this program. A program
// without a Runtime list (a result built by hand) falls back to the
// origin recorded in Syscalls.
func (p *Program) RuntimeNeed(name string) (Need, bool) {
	for _, n := range p.Runtime {
		if n.Name == name {
			return n, true
		}
	}
	if n, ok := p.Need(name); ok && strings.HasPrefix(n.Origin, OriginRuntimePrefix) {
		return n, true
	}
	return Need{}, false
}

// NarrowPolicy returns a copy of pol (a policy built from p.Policy, with
// overrides) without the syscalls that only the goroutines of p.Outliving
// need, except the names in keep (syscalls a user allowed by hand). ok is
// false when that removes nothing: the program needs no fallback.
func (p *Program) NarrowPolicy(pol gen.Policy, keep ...string) (narrow gen.Policy, ok bool) {
	narrow = pol
	narrow.Syscalls = maps.Clone(pol.Syscalls)
	narrowNames := map[string]bool{}
	for _, n := range p.Narrow() {
		narrowNames[n.Name] = true
	}
	for _, g := range p.Outliving {
		for _, n := range g.Needs {
			if narrowNames[n.Name] || slices.Contains(keep, n.Name) {
				continue
			}
			if _, in := narrow.Syscalls[n.Name]; in {
				delete(narrow.Syscalls, n.Name)
				ok = true
			}
		}
	}
	return narrow, ok
}

// GoStatements returns the go statements of p.Outliving in the form the
// generated file records them, for gen.Fallback: one per place in the
// source (the instances of a generic function share their statements).
func (p *Program) GoStatements() []selfsandbox.GoStatement {
	var out []selfsandbox.GoStatement
	for _, g := range p.Outliving {
		s := selfsandbox.GoStatement{Func: g.Func, File: g.File, Line: g.Line, EndLine: g.EndLine}
		if i := len(out) - 1; i >= 0 && out[i].File == s.File && out[i].Line == s.Line && out[i].EndLine == s.EndLine {
			continue // sorted by file and line, so repeats are adjacent
		}
		out = append(out, s)
	}
	return out
}
