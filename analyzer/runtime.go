package analyzer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sandboxgen/sandboxgen/runtimeprofile"
)

// runtimeGroups returns the runtime profile groups a program with features f
// needs: Base always, the others switched on by what the program reaches.
func runtimeGroups(f Features, execChild bool) []runtimeprofile.Group {
	gs := []runtimeprofile.Group{runtimeprofile.Base}
	if f.Pprof {
		gs = append(gs, runtimeprofile.CPUProfile)
	}
	if f.Cgo {
		gs = append(gs, runtimeprofile.Cgo)
	}
	if f.OsExec {
		gs = append(gs, runtimeprofile.ForkExec)
		if execChild {
			gs = append(gs, runtimeprofile.ExecChild)
		}
	}
	return gs
}

// addRuntime merges the runtime baseline of prog's toolchain into
// prog.Syscalls. A syscall the program's code needs keeps its program
// origin and call path; an allowed runtime entry wins over one answered
// with an errno.
func (a *analysis) addRuntime(prog *Program, goroot string) error {
	if a.profile == nil {
		p, err := runtimeprofile.For(goroot, "linux", a.goarch)
		if err != nil {
			return fmt.Errorf("analyzer: runtime baseline for %s linux/%s: %w", goroot, a.goarch, err)
		}
		a.profile = p
	}
	if a.profile.GoVersion != "" && prog.GoVersion != "" && a.profile.GoVersion != prog.GoVersion {
		prog.Warnings = append(prog.Warnings, fmt.Sprintf("runtime baseline is for %s but the program is built by %s", a.profile.GoVersion, prog.GoVersion))
	}
	m := newNeedMerger(prog)
	for _, s := range a.profile.Select(runtimeGroups(prog.Features, a.cfg.ExecChild)...) {
		if onlyPollerCreation(s) {
			continue // selfsandbox.Lock creates the poller before the filter
		}
		a.addRuntimeNeed(m, s)
	}
	sortNeeds(prog.Syscalls)
	return nil
}

// addRuntimeNeed merges the runtime profile's entry s into m's program and
// records that the runtime baseline needs it.
func (a *analysis) addRuntimeNeed(m *needMerger, s runtimeprofile.Syscall) {
	if a.runtimeNames == nil {
		a.runtimeNames = map[string]bool{}
	}
	a.runtimeNames[s.Name] = true
	n := Need{Name: s.Name, Nr: s.Nr, Origin: OriginRuntimePrefix + s.Trigger.String(), Errno: s.Errno}
	if s.Group != runtimeprofile.Base {
		n.Origin = OriginRuntimePrefix + s.Group.String()
	}
	m.add(n)
	m.addRuntime(n, s)
}

// addRuntime records in the program's Runtime list that the runtime
// issues s, with every trigger of its sites (the most general one, which
// n's origin names, first): write's netpoll trigger alone would hide that
// the runtime prints panics with it.
func (m *needMerger) addRuntime(n Need, s runtimeprofile.Syscall) {
	triggers := []string{strings.TrimPrefix(n.Origin, OriginRuntimePrefix)}
	for _, site := range s.Sites {
		if site.Trigger == runtimeprofile.TriggerStartup {
			continue
		}
		if t := site.Trigger.String(); !slices.Contains(triggers, t) {
			triggers = append(triggers, t)
		}
	}
	i := slices.IndexFunc(m.prog.Runtime, func(r Need) bool { return r.Name == n.Name })
	if i < 0 {
		n.Origin = OriginRuntimePrefix + strings.Join(triggers, ", ")
		m.prog.Runtime = append(m.prog.Runtime, n)
		slices.SortFunc(m.prog.Runtime, func(a, b Need) int { return strings.Compare(a.Name, b.Name) })
		return
	}
	r := &m.prog.Runtime[i]
	have := strings.Split(strings.TrimPrefix(r.Origin, OriginRuntimePrefix), ", ")
	for _, t := range triggers {
		if !slices.Contains(have, t) {
			have = append(have, t)
		}
	}
	r.Origin = OriginRuntimePrefix + strings.Join(have, ", ")
	if r.Errno != 0 && n.Errno == 0 {
		r.Errno = 0 // allowed by one group wins over an errno, as in Syscalls
	}
}

// needMerger adds needs to a program's Syscalls, one per name: a need
// that allows replaces one answered with an errno; otherwise the need
// already there (the program's own, with its call path) stays.
type needMerger struct {
	prog *Program
	at   map[string]int
}

func newNeedMerger(prog *Program) *needMerger {
	m := &needMerger{prog: prog, at: make(map[string]int, len(prog.Syscalls))}
	for i, n := range prog.Syscalls {
		m.at[n.Name] = i
	}
	return m
}

func (m *needMerger) add(n Need) {
	if i, ok := m.at[n.Name]; ok {
		if m.prog.Syscalls[i].Errno != 0 && n.Errno == 0 {
			m.prog.Syscalls[i] = n
		}
		return
	}
	m.at[n.Name] = len(m.prog.Syscalls)
	m.prog.Syscalls = append(m.prog.Syscalls, n)
}

// onlyPollerCreation reports whether every runtime site of s creates the
// network poller, which the runtime does once per process and
// selfsandbox.Lock does before it installs the filter.
func onlyPollerCreation(s runtimeprofile.Syscall) bool {
	for _, site := range s.Sites {
		if site.Trigger != runtimeprofile.TriggerNetpollInit {
			return false
		}
	}
	return len(s.Sites) > 0
}
