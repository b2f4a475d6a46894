package analyzer

import (
	"github.com/sandboxgen/sandboxgen/gen"
)

// enosys returns ENOSYS on goarch: 89 on the MIPS family, 38 elsewhere.
func enosys(goarch string) uint16 {
	switch goarch {
	case "mips", "mipsle", "mips64", "mips64le":
		return 89
	}
	return 38
}

// Policy returns the allow-list policy the analysis supports for the
// program: every syscall in p.Syscalls is allowed (or answered with its
// Errno when that is set), except clone3, which is always
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
		act := gen.Allow
		if n.Errno != 0 {
			act = gen.Errno(n.Errno)
		}
		pol.Syscalls[n.Name] = []gen.Rule{{Action: act}}
	}
	if _, ok := pol.Syscalls["clone3"]; ok {
		pol.Syscalls["clone3"] = []gen.Rule{{Action: gen.Errno(enosys(p.GOARCH))}}
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
