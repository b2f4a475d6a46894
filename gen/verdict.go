package gen

import (
	"fmt"

	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// Verdict is the reference meaning of a policy: the action for a syscall
// nr made through the ABI arch with arguments args. A compiled program must
// return exactly this for every input; the tests hold it to that.
func (p Policy) Verdict(arch, nr uint32, args [6]uint64) (Action, error) {
	table, err := systable.Lookup(p.Arch)
	if err != nil {
		return Action{}, err
	}
	if p.Default.IsZero() {
		return Action{}, fmt.Errorf("gen: policy has no default action")
	}
	bad := p.BadArch
	if bad.IsZero() {
		bad = KillProcess
	}
	if arch != table.AuditArch {
		return bad, nil
	}
	if table.X32Bit != 0 && nr >= table.X32Bit {
		return p.Default, nil
	}
	name, ok := table.Name(nr)
	if !ok {
		return p.Default, nil
	}
	for _, r := range p.Syscalls[name] {
		holds := true
		for _, a := range r.Args {
			if !a.Holds(args[a.Index]) {
				holds = false
				break
			}
		}
		if holds {
			return r.Action, nil
		}
	}
	return p.Default, nil
}
