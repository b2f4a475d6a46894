package bpf

import (
	"encoding/binary"
	"fmt"
)

// Result is the outcome of running a filter on one syscall.
type Result struct {
	Ret      uint32 // the SECCOMP_RET_* value returned
	Executed int    // instructions executed, the return included
}

// Run interprets prog, which must pass Validate, on d laid out for the
// given byte order.
func Run(prog []Instruction, d SeccompData, bigEndian bool) (Result, error) {
	data := d.Bytes(bigEndian)
	var bo binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		bo = binary.BigEndian
	}
	var a, x uint32
	var mem [MemWords]uint32
	executed := 0
	for pc := 0; pc < len(prog); pc++ {
		ins := prog[pc]
		executed++
		switch ins.Code {
		case ClassLD | SizeW | ModeABS:
			if ins.K >= DataSize || ins.K&3 != 0 {
				return Result{}, fmt.Errorf("bpf: bad load offset %d at %d", ins.K, pc)
			}
			a = bo.Uint32(data[ins.K:])
		case ClassLD | SizeW | ModeLEN:
			a = DataSize
		case ClassLDX | SizeW | ModeLEN:
			x = DataSize
		case ClassLD | ModeIMM:
			a = ins.K
		case ClassLDX | ModeIMM:
			x = ins.K
		case ClassLD | ModeMEM:
			a = mem[ins.K%MemWords]
		case ClassLDX | ModeMEM:
			x = mem[ins.K%MemWords]
		case ClassST:
			mem[ins.K%MemWords] = a
		case ClassSTX:
			mem[ins.K%MemWords] = x
		case ClassMISC | MiscTAX:
			x = a
		case ClassMISC | MiscTXA:
			a = x
		case ClassRET | RetK:
			return Result{Ret: ins.K, Executed: executed}, nil
		case ClassRET | RetA:
			return Result{Ret: a, Executed: executed}, nil
		case OpJA:
			pc += int(ins.K)
		default:
			switch ins.Code & 0x07 {
			case ClassALU:
				src := ins.K
				if ins.Code&SrcX != 0 {
					src = x
				}
				switch ins.Code & 0xf0 {
				case AluADD:
					a += src
				case AluSUB:
					a -= src
				case AluMUL:
					a *= src
				case AluDIV:
					if src == 0 {
						// The kernel ends the program with 0 on a
						// division by a zero X.
						return Result{Ret: 0, Executed: executed}, nil
					}
					a /= src
				case AluOR:
					a |= src
				case AluAND:
					a &= src
				case AluXOR:
					a ^= src
				case AluLSH:
					a <<= src & 31
				case AluRSH:
					a >>= src & 31
				case AluNEG:
					a = -a
				default:
					return Result{}, fmt.Errorf("bpf: bad ALU opcode %#x at %d", ins.Code, pc)
				}
			case ClassJMP:
				src := ins.K
				if ins.Code&SrcX != 0 {
					src = x
				}
				var taken bool
				switch ins.Code & 0xf0 {
				case JmpJEQ:
					taken = a == src
				case JmpJGT:
					taken = a > src
				case JmpJGE:
					taken = a >= src
				case JmpJSET:
					taken = a&src != 0
				default:
					return Result{}, fmt.Errorf("bpf: bad jump opcode %#x at %d", ins.Code, pc)
				}
				if taken {
					pc += int(ins.Jt)
				} else {
					pc += int(ins.Jf)
				}
			default:
				return Result{}, fmt.Errorf("bpf: opcode %#x at %d not allowed in seccomp", ins.Code, pc)
			}
		}
	}
	return Result{}, fmt.Errorf("bpf: ran off the end of the program")
}
