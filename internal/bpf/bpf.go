package bpf

import (
	"encoding/binary"
	"fmt"
)

// Instruction is one classic BPF instruction (struct sock_filter).
type Instruction struct {
	Code uint16
	Jt   uint8
	Jf   uint8
	K    uint32
}

// Opcode parts (linux/bpf_common.h).
const (
	ClassLD   = 0x00
	ClassLDX  = 0x01
	ClassST   = 0x02
	ClassSTX  = 0x03
	ClassALU  = 0x04
	ClassJMP  = 0x05
	ClassRET  = 0x06
	ClassMISC = 0x07

	SizeW = 0x00
	SizeH = 0x08
	SizeB = 0x10

	ModeIMM = 0x00
	ModeABS = 0x20
	ModeIND = 0x40
	ModeMEM = 0x60
	ModeLEN = 0x80
	ModeMSH = 0xa0

	AluADD = 0x00
	AluSUB = 0x10
	AluMUL = 0x20
	AluDIV = 0x30
	AluOR  = 0x40
	AluAND = 0x50
	AluLSH = 0x60
	AluRSH = 0x70
	AluNEG = 0x80
	AluMOD = 0x90
	AluXOR = 0xa0

	JmpJA   = 0x00
	JmpJEQ  = 0x10
	JmpJGT  = 0x20
	JmpJGE  = 0x30
	JmpJSET = 0x40

	SrcK = 0x00
	SrcX = 0x08

	RetK = 0x00
	RetA = 0x10

	MiscTAX = 0x00
	MiscTXA = 0x80
)

// Frequently used whole opcodes.
const (
	OpLoadAbs = ClassLD | SizeW | ModeABS // A = seccomp_data[k:k+4]
	OpJA      = ClassJMP | JmpJA
	OpJEQ     = ClassJMP | JmpJEQ | SrcK
	OpJGT     = ClassJMP | JmpJGT | SrcK
	OpJGE     = ClassJMP | JmpJGE | SrcK
	OpJSET    = ClassJMP | JmpJSET | SrcK
	OpAndK    = ClassALU | AluAND | SrcK
	OpRetK    = ClassRET | RetK
)

// MaxInstructions is the kernel's limit on one filter's length (BPF_MAXINSNS).
const MaxInstructions = 4096

// MemWords is the number of scratch memory words (BPF_MEMWORDS).
const MemWords = 16

// Offsets into struct seccomp_data.
const (
	OffsetNr   = 0
	OffsetArch = 4
	OffsetIP   = 8
	OffsetArgs = 16
	DataSize   = 64
)

// SeccompData is struct seccomp_data: what a filter sees of a syscall.
type SeccompData struct {
	Nr                 uint32
	Arch               uint32
	InstructionPointer uint64
	Args               [6]uint64
}

// ArgOffsets returns the offsets of the low and high 32-bit halves of
// argument i in seccomp_data for the given byte order.
func ArgOffsets(i int, bigEndian bool) (lo, hi uint32) {
	base := uint32(OffsetArgs + 8*i)
	if bigEndian {
		return base + 4, base
	}
	return base, base + 4
}

// Bytes lays the data out as the kernel does for an architecture with the
// given byte order (nr and arch are native-endian 32-bit words, the rest
// native-endian 64-bit words).
func (d *SeccompData) Bytes(bigEndian bool) [DataSize]byte {
	var b [DataSize]byte
	var bo binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		bo = binary.BigEndian
	}
	bo.PutUint32(b[0:], d.Nr)
	bo.PutUint32(b[4:], d.Arch)
	bo.PutUint64(b[8:], d.InstructionPointer)
	for i, a := range d.Args {
		bo.PutUint64(b[16+8*i:], a)
	}
	return b
}

// IsJump reports whether ins is a jump.
func (ins Instruction) IsJump() bool { return ins.Code&0x07 == ClassJMP }

// IsConditionalJump reports whether ins is a jump other than JA.
func (ins Instruction) IsConditionalJump() bool { return ins.IsJump() && ins.Code&0xf0 != JmpJA }

// IsReturn reports whether ins is a return.
func (ins Instruction) IsReturn() bool { return ins.Code&0x07 == ClassRET }

// String disassembles ins in a compact form.
func (ins Instruction) String() string {
	switch {
	case ins.Code == OpLoadAbs:
		return fmt.Sprintf("ld [%d]", ins.K)
	case ins.Code == OpRetK:
		return fmt.Sprintf("ret %#x", ins.K)
	case ins.Code == OpJA:
		return fmt.Sprintf("ja +%d", ins.K)
	case ins.IsConditionalJump():
		op := map[uint16]string{JmpJEQ: "jeq", JmpJGT: "jgt", JmpJGE: "jge", JmpJSET: "jset"}[ins.Code&0xf0]
		src := fmt.Sprintf("#%#x", ins.K)
		if ins.Code&SrcX != 0 {
			src = "x"
		}
		return fmt.Sprintf("%s %s, +%d, +%d", op, src, ins.Jt, ins.Jf)
	case ins.Code == OpAndK:
		return fmt.Sprintf("and #%#x", ins.K)
	}
	return fmt.Sprintf("{%#04x %d %d %#x}", ins.Code, ins.Jt, ins.Jf, ins.K)
}
