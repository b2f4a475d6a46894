package containerprofile

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/sandboxgen/sandboxgen/gen"
)

// SPO's resource version and kind (security-profiles-operator.x-k8s.io).
const (
	SPOAPIVersion = "security-profiles-operator.x-k8s.io/v1beta1"
	SPOKind       = "SeccompProfile"
)

// scmpArches maps a GOARCH to libseccomp's name for it.
var scmpArches = map[string]specs.Arch{
	"386":      specs.ArchX86,
	"amd64":    specs.ArchX86_64,
	"arm":      specs.ArchARM,
	"arm64":    specs.ArchAARCH64,
	"loong64":  specs.ArchLOONGARCH64,
	"mips":     specs.ArchMIPS,
	"mipsle":   specs.ArchMIPSEL,
	"mips64":   specs.ArchMIPS64,
	"mips64le": specs.ArchMIPSEL64,
	"ppc64":    specs.ArchPPC64,
	"ppc64le":  specs.ArchPPC64LE,
	"riscv64":  specs.ArchRISCV64,
	"s390x":    specs.ArchS390X,
}

func scmpArch(goarch string) (specs.Arch, error) {
	a, ok := scmpArches[goarch]
	if !ok {
		return "", fmt.Errorf("containerprofile: no libseccomp architecture for GOARCH %s", goarch)
	}
	return a, nil
}

// action converts a gen.Action to libseccomp's name and errno.
func action(a gen.Action) (specs.LinuxSeccompAction, *uint, error) {
	ret := a.Ret()
	data := uint(ret & 0xffff)
	switch ret & 0xffff0000 {
	case gen.KillProcess.Ret():
		return specs.ActKillProcess, nil, nil
	case gen.KillThread.Ret():
		return specs.ActKillThread, nil, nil
	case gen.Trap.Ret():
		return specs.ActTrap, nil, nil
	case gen.Errno(0).Ret():
		return specs.ActErrno, &data, nil
	case gen.Log.Ret():
		return specs.ActLog, nil, nil
	case gen.Allow.Ret():
		return specs.ActAllow, nil, nil
	case gen.UserNotif.Ret():
		return specs.ActNotify, nil, nil
	}
	return "", nil, fmt.Errorf("containerprofile: action %s has no container profile form", a)
}

// args converts a rule's conditions. libseccomp compares the full 64-bit
// argument, as gen does.
func args(conds []gen.ArgCond) ([]specs.LinuxSeccompArg, error) {
	var out []specs.LinuxSeccompArg
	for _, c := range conds {
		a := specs.LinuxSeccompArg{Index: uint(c.Index), Value: c.Value}
		switch c.Op {
		case gen.OpEqual:
			a.Op = specs.OpEqualTo
		case gen.OpNotEqual:
			a.Op = specs.OpNotEqual
		case gen.OpMaskedEqual:
			// libseccomp: (arg & datum_a) == datum_b.
			a.Op, a.Value, a.ValueTwo = specs.OpMaskedEqual, c.Mask, c.Value
		case gen.OpBitsAllowed:
			a.Op, a.Value, a.ValueTwo = specs.OpMaskedEqual, ^c.Value, 0
		case gen.OpLess:
			a.Op = specs.OpLessThan
		case gen.OpLessEqual:
			a.Op = specs.OpLessEqual
		case gen.OpGreater:
			a.Op = specs.OpGreaterThan
		case gen.OpGreaterEqual:
			a.Op = specs.OpGreaterEqual
		default:
			return nil, fmt.Errorf("containerprofile: argument comparison %s has no container profile form", c.Op)
		}
		out = append(out, a)
	}
	return out, nil
}

// entrySyscalls converts one entry's rules. libseccomp does not try rules
// in order as gen does, so a syscall whose rules have different actions
// cannot be expressed unless only its last rule is unconditional.
func entrySyscalls(e Entry) ([]specs.LinuxSyscall, error) {
	var out []specs.LinuxSyscall
	for i, r := range e.Rules {
		if i > 0 && r.Action != e.Rules[0].Action {
			return nil, fmt.Errorf("containerprofile: %s has rules with different actions (%s, %s), which libseccomp cannot order", e.Name, e.Rules[0].Action, r.Action)
		}
		act, errno, err := action(r.Action)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name, err)
		}
		as, err := args(r.Args)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name, err)
		}
		out = append(out, specs.LinuxSyscall{Names: []string{e.Name}, Action: act, ErrnoRet: errno, Args: as})
	}
	return out, nil
}

// OCI returns the profile as the runtime-spec's linux.seccomp object.
// Syscalls with the same rules share one entry. A syscall only some of the
// architectures need is allowed on all of them (the format has no
// per-architecture entries); a name one architecture lacks is ignored
// there by the runtime.
func (p *Profile) OCI() (*specs.LinuxSeccomp, error) {
	def, defErrno, err := action(p.Default)
	if err != nil {
		return nil, err
	}
	out := &specs.LinuxSeccomp{DefaultAction: def, DefaultErrnoRet: defErrno}
	for _, a := range p.Arches {
		sa, err := scmpArch(a)
		if err != nil {
			return nil, err
		}
		out.Architectures = append(out.Architectures, sa)
	}
	index := map[string]int{} // rule key -> index in out.Syscalls
	for _, e := range p.Entries {
		scs, err := entrySyscalls(e)
		if err != nil {
			return nil, err
		}
		for _, sc := range scs {
			key := ruleKey(sc)
			if i, ok := index[key]; ok {
				out.Syscalls[i].Names = append(out.Syscalls[i].Names, e.Name)
				continue
			}
			index[key] = len(out.Syscalls)
			out.Syscalls = append(out.Syscalls, sc)
		}
	}
	return out, nil
}

func ruleKey(sc specs.LinuxSyscall) string {
	var b strings.Builder
	b.WriteString(string(sc.Action))
	if sc.ErrnoRet != nil {
		b.WriteString("/" + strconv.FormatUint(uint64(*sc.ErrnoRet), 10))
	}
	for _, a := range sc.Args {
		fmt.Fprintf(&b, " %d%s%#x,%#x", a.Index, a.Op, a.Value, a.ValueTwo)
	}
	return b.String()
}

// Docker returns the profile in the JSON format of Docker, Podman,
// containerd and CRI-O: one entry a syscall, each with its origin as the
// comment, and an includes.arches condition on the entries only some of
// the architectures need.
func (p *Profile) Docker() (*seccomp.Seccomp, error) {
	def, defErrno, err := action(p.Default)
	if err != nil {
		return nil, err
	}
	out := &seccomp.Seccomp{LinuxSeccomp: specs.LinuxSeccomp{DefaultAction: def, DefaultErrnoRet: defErrno}}
	for _, a := range p.Arches {
		sa, err := scmpArch(a)
		if err != nil {
			return nil, err
		}
		out.Architectures = append(out.Architectures, sa)
	}
	for _, e := range p.Entries {
		scs, err := entrySyscalls(e)
		if err != nil {
			return nil, err
		}
		for _, sc := range scs {
			s := &seccomp.Syscall{LinuxSyscall: sc, Comment: e.Origin}
			if len(e.Arches) > 0 {
				s.Includes = &seccomp.Filter{Arches: e.Arches}
			}
			out.Syscalls = append(out.Syscalls, s)
		}
	}
	return out, nil
}

// DockerJSON is Docker() as indented JSON with a final newline.
func (p *Profile) DockerJSON() ([]byte, error) {
	d, err := p.Docker()
	if err != nil {
		return nil, err
	}
	return marshal(d)
}

// OCIJSON is OCI() as indented JSON with a final newline.
func (p *Profile) OCIJSON() ([]byte, error) {
	o, err := p.OCI()
	if err != nil {
		return nil, err
	}
	return marshal(o)
}

func marshal(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
