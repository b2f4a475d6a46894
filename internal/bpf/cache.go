package bpf

import "github.com/sandboxgen/sandboxgen/internal/seccompabi"

// SeccompRetAllow is SECCOMP_RET_ALLOW.
const SeccompRetAllow = seccompabi.RetAllow

// CacheableAllow reports whether the kernel would cache (arch, nr) as
// always allowed for prog. It follows seccomp_is_const_allow in the
// kernel's kernel/seccomp.c (5.11+): the filter is emulated knowing only
// nr and arch; any load of another field, any instruction other than an
// absolute load, AND with a constant, JA, a conditional jump on a constant
// or RET K makes the answer "no", and so does a return other than ALLOW.
// The kernel runs this on the filter as the process passed it in.
//
// Only the filter's part is modelled: the kernel keeps the bitmap for the
// native and the compat arch only (x32 numbers on amd64 are never cached),
// and recent kernels let some syscalls past every filter on their own (such
// as uretprobe on x86-64); neither depends on the program.
func CacheableAllow(prog []Instruction, arch, nr uint32) bool {
	var reg uint32
	for pc := 0; pc < len(prog); pc++ {
		ins := prog[pc]
		switch ins.Code {
		case OpLoadAbs:
			switch ins.K {
			case OffsetNr:
				reg = nr
			case OffsetArch:
				reg = arch
			default:
				return false
			}
		case OpRetK:
			return ins.K == SeccompRetAllow
		case OpJA:
			pc += int(ins.K)
		case OpJEQ, OpJGE, OpJGT, OpJSET:
			var taken bool
			switch ins.Code {
			case OpJEQ:
				taken = reg == ins.K
			case OpJGE:
				taken = reg >= ins.K
			case OpJGT:
				taken = reg > ins.K
			case OpJSET:
				taken = reg&ins.K != 0
			}
			if taken {
				pc += int(ins.Jt)
			} else {
				pc += int(ins.Jf)
			}
		case OpAndK:
			reg &= ins.K
		default:
			return false
		}
	}
	return false
}
