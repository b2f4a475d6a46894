package selfsandbox

import "fmt"

// Classic BPF opcode parts (include/uapi/linux/filter.h).
const (
	bpfLD   = 0x00
	bpfLDX  = 0x01
	bpfST   = 0x02
	bpfSTX  = 0x03
	bpfALU  = 0x04
	bpfJMP  = 0x05
	bpfRET  = 0x06
	bpfMISC = 0x07

	bpfW   = 0x00
	bpfIMM = 0x00
	bpfABS = 0x20
	bpfMEM = 0x60
	bpfLEN = 0x80

	bpfADD = 0x00
	bpfSUB = 0x10
	bpfMUL = 0x20
	bpfDIV = 0x30
	bpfOR  = 0x40
	bpfAND = 0x50
	bpfLSH = 0x60
	bpfRSH = 0x70
	bpfNEG = 0x80
	bpfXOR = 0xa0

	bpfJA   = 0x00
	bpfJEQ  = 0x10
	bpfJGT  = 0x20
	bpfJGE  = 0x30
	bpfJSET = 0x40

	bpfK = 0x00
	bpfX = 0x08
	bpfA = 0x10

	bpfTAX = 0x00
	bpfTXA = 0x80

	// bpfMaxInsns is BPF_MAXINSNS, the kernel's limit on one filter.
	bpfMaxInsns = 4096
	// bpfMemWords is BPF_MEMWORDS, the number of scratch memory slots.
	bpfMemWords = 16
	// seccompDataSize is sizeof(struct seccomp_data): nr, arch,
	// instruction_pointer and six 64-bit arguments.
	seccompDataSize = 64
)

// seccompOpcodes lists the instructions a seccomp filter may use, as the
// kernel's seccomp_check_filter accepts them.
var seccompOpcodes = func() map[uint16]bool {
	ops := map[uint16]bool{
		bpfLD | bpfW | bpfABS: true, bpfLD | bpfW | bpfLEN: true, bpfLDX | bpfW | bpfLEN: true,
		bpfRET | bpfK: true, bpfRET | bpfA: true,
		bpfALU | bpfNEG: true,
		bpfLD | bpfIMM:  true, bpfLDX | bpfIMM: true,
		bpfMISC | bpfTAX: true, bpfMISC | bpfTXA: true,
		bpfLD | bpfMEM: true, bpfLDX | bpfMEM: true, bpfST: true, bpfSTX: true,
		bpfJMP | bpfJA: true,
	}
	for _, op := range []uint16{bpfADD, bpfSUB, bpfMUL, bpfDIV, bpfAND, bpfOR, bpfXOR, bpfLSH, bpfRSH} {
		ops[bpfALU|op|bpfK], ops[bpfALU|op|bpfX] = true, true
	}
	for _, op := range []uint16{bpfJEQ, bpfJGE, bpfJGT, bpfJSET} {
		ops[bpfJMP|op|bpfK], ops[bpfJMP|op|bpfX] = true, true
	}
	return ops
}()

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

// checkInstructions mirrors the kernel's bpf_check_classic and
// seccomp_check_filter, so that a bad program gets a message naming the
// instruction instead of a bare EINVAL from seccomp(2), and so that an
// EINVAL for a program that passed here can be blamed on the kernel.
func checkInstructions(insns []Instruction) error {
	n := len(insns)
	if n == 0 {
		return fmt.Errorf("the program has no instructions")
	}
	if n > bpfMaxInsns {
		return fmt.Errorf("the program has %d instructions; the kernel accepts at most %d", n, bpfMaxInsns)
	}
	for pc, in := range insns {
		if !seccompOpcodes[in.Code] {
			return fmt.Errorf("instruction %d: opcode %#04x is not allowed in a seccomp filter", pc, in.Code)
		}
		switch in.Code {
		case bpfLD | bpfW | bpfABS:
			if in.K >= seccompDataSize || in.K&3 != 0 {
				return fmt.Errorf("instruction %d: load at offset %d is outside struct seccomp_data or not 4-byte aligned", pc, in.K)
			}
		case bpfALU | bpfDIV | bpfK:
			if in.K == 0 {
				return fmt.Errorf("instruction %d: division by the constant 0", pc)
			}
		case bpfALU | bpfLSH | bpfK, bpfALU | bpfRSH | bpfK:
			if in.K >= 32 {
				return fmt.Errorf("instruction %d: shift by %d (at most 31)", pc, in.K)
			}
		case bpfLD | bpfMEM, bpfLDX | bpfMEM, bpfST, bpfSTX:
			if in.K >= bpfMemWords {
				return fmt.Errorf("instruction %d: scratch memory slot %d (there are %d)", pc, in.K, bpfMemWords)
			}
		case bpfJMP | bpfJA:
			if uint64(in.K) >= uint64(n-pc-1) {
				return fmt.Errorf("instruction %d: jump by %d goes past the end (%d instructions)", pc, in.K, n)
			}
		default:
			if in.Code&0x07 == bpfJMP {
				if pc+int(in.Jt)+1 >= n || pc+int(in.Jf)+1 >= n {
					return fmt.Errorf("instruction %d: conditional jump (%d, %d) goes past the end (%d instructions)", pc, in.Jt, in.Jf, n)
				}
			}
		}
	}
	if last := insns[n-1].Code; last != bpfRET|bpfK && last != bpfRET|bpfA {
		return fmt.Errorf("the last instruction (%d) is not a return", n-1)
	}
	return checkMemory(insns)
}

// checkMemory rejects a load from a scratch slot that some path reaches
// without storing to it first, with the kernel's own conservative rule
// (check_load_and_stores): along the program order, a slot is valid at an
// instruction only if every jump into it carried it as valid.
func checkMemory(insns []Instruction) error {
	masks := make([]uint16, len(insns))
	for i := range masks {
		masks[i] = 0xffff
	}
	var valid uint16
	for pc, in := range insns {
		valid &= masks[pc]
		switch {
		case in.Code == bpfST || in.Code == bpfSTX:
			valid |= 1 << in.K
		case in.Code == bpfLD|bpfMEM || in.Code == bpfLDX|bpfMEM:
			if valid&(1<<in.K) == 0 {
				return fmt.Errorf("instruction %d: loads scratch slot %d, which may not have been stored", pc, in.K)
			}
		case in.Code == bpfJMP|bpfJA:
			masks[pc+1+int(in.K)] &= valid
			valid = 0xffff
		case in.Code&0x07 == bpfJMP:
			masks[pc+1+int(in.Jt)] &= valid
			masks[pc+1+int(in.Jf)] &= valid
			valid = 0xffff
		}
	}
	return nil
}
