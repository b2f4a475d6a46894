package bpf

import "fmt"

// Validate reports whether the kernel would accept prog as a seccomp
// filter: the classic BPF checks (bpf_check_classic: length, forward jumps
// in range, a return at the end, no constant division by zero, shifts below
// 32, scratch memory in range and written before it is read) plus seccomp's
// own (seccomp_check_filter: only 32-bit absolute loads at aligned offsets
// inside seccomp_data, and only the opcodes it lists).
func Validate(prog []Instruction) error {
	n := len(prog)
	if n == 0 {
		return fmt.Errorf("the program has no instructions; the kernel takes 1 to %d", MaxInstructions)
	}
	if n > MaxInstructions {
		return fmt.Errorf("the program has %d instructions; the kernel takes 1 to %d", n, MaxInstructions)
	}
	for pc, ins := range prog {
		if err := validateOne(pc, n, ins); err != nil {
			return err
		}
	}
	if !prog[n-1].IsReturn() {
		return fmt.Errorf("the last instruction (%d, %v) is not a return", n-1, prog[n-1])
	}
	return checkMemoryInit(prog)
}

func validateOne(pc, n int, ins Instruction) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("instruction %d (%v): %s", pc, ins, fmt.Sprintf(format, args...))
	}
	switch ins.Code {
	case ClassLD | SizeW | ModeABS:
		if ins.K >= DataSize || ins.K&3 != 0 {
			return bad("load offset %d is not an aligned offset inside seccomp_data", ins.K)
		}
	case ClassLD | SizeW | ModeLEN, ClassLDX | SizeW | ModeLEN,
		ClassLD | ModeIMM, ClassLDX | ModeIMM,
		ClassMISC | MiscTAX, ClassMISC | MiscTXA,
		ClassRET | RetK, ClassRET | RetA:
	case ClassLD | ModeMEM, ClassLDX | ModeMEM, ClassST, ClassSTX:
		if ins.K >= MemWords {
			return bad("scratch memory slot %d out of range (there are %d)", ins.K, MemWords)
		}
	case ClassALU | AluADD | SrcK, ClassALU | AluSUB | SrcK, ClassALU | AluMUL | SrcK,
		ClassALU | AluAND | SrcK, ClassALU | AluOR | SrcK, ClassALU | AluXOR | SrcK,
		ClassALU | AluADD | SrcX, ClassALU | AluSUB | SrcX, ClassALU | AluMUL | SrcX,
		ClassALU | AluAND | SrcX, ClassALU | AluOR | SrcX, ClassALU | AluXOR | SrcX,
		ClassALU | AluDIV | SrcX, ClassALU | AluLSH | SrcX, ClassALU | AluRSH | SrcX,
		ClassALU | AluNEG:
	case ClassALU | AluDIV | SrcK:
		if ins.K == 0 {
			return bad("division by the constant 0")
		}
	case ClassALU | AluLSH | SrcK, ClassALU | AluRSH | SrcK:
		if ins.K >= 32 {
			return bad("shift by %d (at most 31)", ins.K)
		}
	case OpJA:
		if uint64(pc)+1+uint64(ins.K) >= uint64(n) {
			return bad("jump by %d goes past the end (%d instructions)", ins.K, n)
		}
	case ClassJMP | JmpJEQ | SrcK, ClassJMP | JmpJGT | SrcK, ClassJMP | JmpJGE | SrcK, ClassJMP | JmpJSET | SrcK,
		ClassJMP | JmpJEQ | SrcX, ClassJMP | JmpJGT | SrcX, ClassJMP | JmpJGE | SrcX, ClassJMP | JmpJSET | SrcX:
		if pc+1+int(ins.Jt) >= n || pc+1+int(ins.Jf) >= n {
			return bad("conditional jump (+%d, +%d) goes past the end (%d instructions)", ins.Jt, ins.Jf, n)
		}
	default:
		return bad("opcode %#04x is not allowed in a seccomp filter", ins.Code)
	}
	return nil
}

// checkMemoryInit mirrors the kernel's check_load_and_stores: a scratch
// word may only be read where it was written on every way there. Like the
// kernel, it treats straight-line order as a way in even after a return
// (the words valid after a return stay valid at the next instruction),
// which is stricter than real control flow; a program the kernel rejects
// for that is rejected here too.
func checkMemoryInit(prog []Instruction) error {
	const all = 1<<MemWords - 1
	masks := make([]uint16, len(prog))
	for i := range masks {
		masks[i] = all
	}
	var valid uint16 // nothing is written before the first instruction
	for pc, ins := range prog {
		valid &= masks[pc]
		switch {
		case ins.Code == ClassST || ins.Code == ClassSTX:
			valid |= 1 << ins.K
		case ins.Code == ClassLD|ModeMEM || ins.Code == ClassLDX|ModeMEM:
			if valid&(1<<ins.K) == 0 {
				return fmt.Errorf("instruction %d (%v) reads scratch slot %d, which may not have been stored on every way to it; store to it first", pc, ins, ins.K)
			}
		case ins.Code == OpJA:
			masks[pc+1+int(ins.K)] &= valid
			valid = all
		case ins.IsConditionalJump():
			masks[pc+1+int(ins.Jt)] &= valid
			masks[pc+1+int(ins.Jf)] &= valid
			valid = all
		}
	}
	return nil
}
