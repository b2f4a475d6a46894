package selfsandbox

import (
	"fmt"

	"github.com/sandboxgen/sandboxgen/internal/bpf"
)

// Validate reports whether the kernel would accept p on its architecture and
// whether Lock can use it. It checks what the kernel checks when a filter is
// installed (instruction set, jump targets, scratch memory, a return at the
// end, at most 4096 instructions) and what selfsandbox needs on top (a known
// Arch with the matching AuditArch, and a DefaultAction that denies without
// being KILL_THREAD). The error wraps ErrInvalidProgram and names the first
// problem.
func (p *Program) Validate() error {
	if p.Arch == "" {
		return invalid(p, "Arch is empty; it must be the GOARCH the program was compiled for")
	}
	want, ok := auditArches[p.Arch]
	if !ok {
		return invalid(p, "Arch %q is not a Linux architecture selfsandbox supports", p.Arch)
	}
	if p.AuditArch != want {
		return invalid(p, "AuditArch is %#x but %s's is %#x", p.AuditArch, p.Arch, want)
	}
	if err := checkDefaultAction(p.DefaultAction); err != nil {
		return invalid(p, "%v", err)
	}
	if err := checkInstructions(p.Instructions); err != nil {
		return invalid(p, "%v", err)
	}
	if fb := p.Fallback; fb != nil {
		if len(fb.Goroutines) == 0 {
			return invalid(p, "Fallback names no go statements, so Lock would never install it")
		}
		if err := checkInstructions(fb.Instructions); err != nil {
			return invalid(p, "Fallback: %v", err)
		}
	}
	return nil
}

func invalid(p *Program, format string, args ...any) error {
	arch := p.Arch
	if arch == "" {
		arch = "?"
	}
	return fmt.Errorf("selfsandbox: program for %s: %s (regenerate it with sandboxgen): %w", arch, fmt.Sprintf(format, args...), ErrInvalidProgram)
}

// checkDefaultAction accepts the actions that deny (or, for LOG, record) a
// call and that a Go process survives as a policy: never KILL_THREAD (a Go
// process that loses one thread hangs), never ALLOW (Lock rewrites the
// returns equal to DefaultAction, and rewriting the allowing ones would deny
// everything), never USER_NOTIF (Lock installs no listener).
func checkDefaultAction(ret uint32) error {
	switch ret & retActionFull {
	case retKillProcess, retTrap, retErrno, retLog, retTrace:
		return nil
	case retKillThread:
		return fmt.Errorf("DefaultAction is SECCOMP_RET_KILL_THREAD (%#x): a Go process that loses a thread hangs; use KILL_PROCESS", ret)
	case retAllow:
		return fmt.Errorf("DefaultAction is SECCOMP_RET_ALLOW (%#x); it must be the action of the denying returns", ret)
	case retUserNotif:
		return fmt.Errorf("DefaultAction is SECCOMP_RET_USER_NOTIF (%#x), which needs a listener selfsandbox does not create", ret)
	}
	return fmt.Errorf("DefaultAction %#x is not a SECCOMP_RET_* action", ret)
}

// checkInstructions runs the kernel's checks (bpf_check_classic and
// seccomp_check_filter, as internal/bpf mirrors them), so that a bad
// program gets a message naming the instruction instead of a bare EINVAL
// from seccomp(2), and so that an EINVAL for a program that passed here can
// be blamed on the kernel.
func checkInstructions(insns []Instruction) error {
	return bpf.Validate(toBPF(insns))
}

// toBPF converts a program to internal/bpf's instruction type, which has
// the same fields.
func toBPF(insns []Instruction) []bpf.Instruction {
	out := make([]bpf.Instruction, len(insns))
	for i, in := range insns {
		out[i] = bpf.Instruction(in)
	}
	return out
}
