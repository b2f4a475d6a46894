package bpf

import (
	"strings"
	"testing"
)

func stmt(code uint16, k uint32) Instruction { return Instruction{Code: code, K: k} }

func jump(code uint16, k uint32, jt, jf uint8) Instruction {
	return Instruction{Code: code, Jt: jt, Jf: jf, K: k}
}

func retA() Instruction { return stmt(ClassRET|RetA, 0) }

// sample is the seccomp_data most interpreter cases run on.
var sample = SeccompData{
	Nr:                 0x101,
	Arch:               0xc000003e,
	InstructionPointer: 0x1122334455667788,
	Args:               [6]uint64{0xaaaaaaaa_00000005, 2, 3, 4, 5, 0xffffffff_fffffffe},
}

func TestRun(t *testing.T) {
	tests := []struct {
		name string
		prog []Instruction
		big  bool
		want uint32
		exec int
	}{
		{"ret k", []Instruction{stmt(OpRetK, 7)}, false, 7, 1},
		{"ld nr", []Instruction{stmt(OpLoadAbs, OffsetNr), retA()}, false, 0x101, 2},
		{"ld arch", []Instruction{stmt(OpLoadAbs, OffsetArch), retA()}, false, 0xc000003e, 2},
		{"ld ip low (little-endian)", []Instruction{stmt(OpLoadAbs, OffsetIP), retA()}, false, 0x55667788, 2},
		{"ld ip high (little-endian)", []Instruction{stmt(OpLoadAbs, OffsetIP+4), retA()}, false, 0x11223344, 2},
		{"ld ip first word (big-endian) is the high half", []Instruction{stmt(OpLoadAbs, OffsetIP), retA()}, true, 0x11223344, 2},
		{"ld arg0 low (little-endian)", []Instruction{stmt(OpLoadAbs, 16), retA()}, false, 5, 2},
		{"ld arg0 high (little-endian)", []Instruction{stmt(OpLoadAbs, 20), retA()}, false, 0xaaaaaaaa, 2},
		{"ld arg0 low (big-endian)", []Instruction{stmt(OpLoadAbs, 20), retA()}, true, 5, 2},
		{"ld arg5 low", []Instruction{stmt(OpLoadAbs, 56), retA()}, false, 0xfffffffe, 2},
		{"ld nr (big-endian)", []Instruction{stmt(OpLoadAbs, OffsetNr), retA()}, true, 0x101, 2},
		{"ld len", []Instruction{stmt(ClassLD|SizeW|ModeLEN, 0), retA()}, false, 64, 2},
		{"ldx len, txa", []Instruction{stmt(ClassLDX|SizeW|ModeLEN, 0), stmt(ClassMISC|MiscTXA, 0), retA()}, false, 64, 3},
		{"ld imm", []Instruction{stmt(ClassLD|ModeIMM, 9), retA()}, false, 9, 2},
		{"ldx imm, txa", []Instruction{stmt(ClassLDX|ModeIMM, 11), stmt(ClassMISC|MiscTXA, 0), retA()}, false, 11, 3},
		{"tax", []Instruction{stmt(ClassLD|ModeIMM, 4), stmt(ClassMISC|MiscTAX, 0), stmt(ClassLD|ModeIMM, 0), stmt(ClassMISC|MiscTXA, 0), retA()}, false, 4, 5},
		{"st, ld mem", []Instruction{stmt(ClassLD|ModeIMM, 3), stmt(ClassST, 15), stmt(ClassLD|ModeIMM, 0), stmt(ClassLD|ModeMEM, 15), retA()}, false, 3, 5},
		{"stx, ldx mem", []Instruction{stmt(ClassLDX|ModeIMM, 8), stmt(ClassSTX, 2), stmt(ClassLDX|ModeIMM, 0), stmt(ClassLDX|ModeMEM, 2), stmt(ClassMISC|MiscTXA, 0), retA()}, false, 8, 6},
		{"add k wraps", alu(0xffffffff, ClassALU|AluADD|SrcK, 2), false, 1, 3},
		{"sub k wraps", alu(1, ClassALU|AluSUB|SrcK, 2), false, 0xffffffff, 3},
		{"mul k", alu(6, ClassALU|AluMUL|SrcK, 7), false, 42, 3},
		{"div k", alu(43, ClassALU|AluDIV|SrcK, 7), false, 6, 3},
		{"or k", alu(0x0f, ClassALU|AluOR|SrcK, 0xf0), false, 0xff, 3},
		{"and k", alu(0x3c, ClassALU|AluAND|SrcK, 0x0f), false, 0x0c, 3},
		{"xor k", alu(0xff, ClassALU|AluXOR|SrcK, 0x0f), false, 0xf0, 3},
		{"lsh k", alu(1, ClassALU|AluLSH|SrcK, 31), false, 0x80000000, 3},
		{"rsh k", alu(0x80000000, ClassALU|AluRSH|SrcK, 31), false, 1, 3},
		{"neg", alu(1, ClassALU|AluNEG, 0), false, 0xffffffff, 3},
		{"add x", aluX(5, ClassALU|AluADD|SrcX, 6), false, 11, 4},
		{"sub x", aluX(5, ClassALU|AluSUB|SrcX, 6), false, 0xffffffff, 4},
		{"mul x", aluX(5, ClassALU|AluMUL|SrcX, 6), false, 30, 4},
		{"div x", aluX(30, ClassALU|AluDIV|SrcX, 4), false, 7, 4},
		{"div by zero x ends the program with 0", aluX(30, ClassALU|AluDIV|SrcX, 0), false, 0, 3},
		{"or x", aluX(1, ClassALU|AluOR|SrcX, 2), false, 3, 4},
		{"and x", aluX(3, ClassALU|AluAND|SrcX, 6), false, 2, 4},
		{"xor x", aluX(3, ClassALU|AluXOR|SrcX, 6), false, 5, 4},
		{"lsh x", aluX(3, ClassALU|AluLSH|SrcX, 4), false, 48, 4},
		{"rsh x", aluX(48, ClassALU|AluRSH|SrcX, 4), false, 3, 4},
		{"lsh x by 33 shifts by 1", aluX(3, ClassALU|AluLSH|SrcX, 33), false, 6, 4},
		{"rsh x by 32 shifts by 0", aluX(48, ClassALU|AluRSH|SrcX, 32), false, 48, 4},
		{"ja", []Instruction{stmt(OpJA, 1), stmt(OpRetK, 1), stmt(OpRetK, 2)}, false, 2, 2},
		{"jeq k taken", cond(OpJEQ, 0x101), false, 1, 3},
		{"jeq k not taken", cond(OpJEQ, 0x100), false, 2, 3},
		{"jgt k taken", cond(OpJGT, 0x100), false, 1, 3},
		{"jgt k equal", cond(OpJGT, 0x101), false, 2, 3},
		{"jge k equal", cond(OpJGE, 0x101), false, 1, 3},
		{"jge k below", cond(OpJGE, 0x102), false, 2, 3},
		{"jset k taken", cond(OpJSET, 0x100), false, 1, 3},
		{"jset k not taken", cond(OpJSET, 0x010), false, 2, 3},
		{"jeq x", condX(ClassJMP|JmpJEQ|SrcX, 0x101), false, 1, 4},
		{"jgt x", condX(ClassJMP|JmpJGT|SrcX, 0x101), false, 2, 4},
		{"jge x", condX(ClassJMP|JmpJGE|SrcX, 0x101), false, 1, 4},
		{"jset x", condX(ClassJMP|JmpJSET|SrcX, 0x200), false, 2, 4},
		{"ret a", []Instruction{stmt(ClassLD|ModeIMM, 0x7fff0000), retA()}, false, 0x7fff0000, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Validate(tc.prog); err != nil {
				t.Fatalf("test program is invalid: %v", err)
			}
			got, err := Run(tc.prog, sample, tc.big)
			if err != nil {
				t.Fatal(err)
			}
			if got.Ret != tc.want || got.Executed != tc.exec {
				t.Errorf("Run = ret %#x after %d instructions, want %#x after %d", got.Ret, got.Executed, tc.want, tc.exec)
			}
		})
	}
}

// alu loads a, applies op with constant k and returns A.
func alu(a uint32, op uint16, k uint32) []Instruction {
	return []Instruction{stmt(ClassLD|ModeIMM, a), stmt(op, k), retA()}
}

// aluX loads a and x, applies op with X and returns A.
func aluX(a uint32, op uint16, x uint32) []Instruction {
	return []Instruction{stmt(ClassLD|ModeIMM, a), stmt(ClassLDX|ModeIMM, x), stmt(op, 0), retA()}
}

// cond compares nr with k: 1 when the jump is taken, else 2.
func cond(op uint16, k uint32) []Instruction {
	return []Instruction{stmt(OpLoadAbs, OffsetNr), jump(op, k, 0, 1), stmt(OpRetK, 1), stmt(OpRetK, 2)}
}

// condX compares nr with X = x: 1 when the jump is taken, else 2.
func condX(op uint16, x uint32) []Instruction {
	return []Instruction{stmt(ClassLDX|ModeIMM, x), stmt(OpLoadAbs, OffsetNr), jump(op, 0, 0, 1), stmt(OpRetK, 1), stmt(OpRetK, 2)}
}

// validateCases are judged by Validate here and by the kernel in
// TestKernelAgrees, each behind a guard that only the unused syscall number
// kernelProbeNr gets past.
var validateCases = []struct {
	name string
	body []Instruction
	want string // "" when the kernel accepts the program, else part of the error
}{
	{"ret", []Instruction{stmt(OpRetK, SeccompRetAllow)}, ""},
	{"every seccomp opcode", everyOpcode(), ""},
	{"load at offset 60", []Instruction{stmt(OpLoadAbs, 60), retA()}, ""},
	{"load at offset 64", []Instruction{stmt(OpLoadAbs, 64), retA()}, "aligned offset"},
	{"unaligned load", []Instruction{stmt(OpLoadAbs, 2), retA()}, "aligned offset"},
	{"half-word load", []Instruction{stmt(ClassLD|SizeH|ModeABS, 0), retA()}, "not allowed"},
	{"byte load", []Instruction{stmt(ClassLD|SizeB|ModeABS, 0), retA()}, "not allowed"},
	{"indirect load", []Instruction{stmt(ClassLD|SizeW|ModeIND, 0), retA()}, "not allowed"},
	{"ldx msh", []Instruction{stmt(ClassLDX|SizeB|ModeMSH, 0), retA()}, "not allowed"},
	{"mod", []Instruction{stmt(ClassALU|AluMOD|SrcK, 3), retA()}, "not allowed"},
	{"div by constant zero", []Instruction{stmt(ClassALU|AluDIV|SrcK, 0), retA()}, "division by the constant 0"},
	{"lsh by 32", []Instruction{stmt(ClassALU|AluLSH|SrcK, 32), retA()}, "shift"},
	{"rsh by 31", []Instruction{stmt(ClassALU|AluRSH|SrcK, 31), retA()}, ""},
	{"scratch index 16", []Instruction{stmt(ClassST, 16), retA()}, "out of range"},
	{"read before write", []Instruction{stmt(ClassLD|ModeMEM, 3), retA()}, "scratch slot 3"},
	{"read after write on one branch only", []Instruction{
		stmt(OpLoadAbs, 16), jump(OpJEQ, 1, 0, 1), stmt(ClassST, 3), stmt(ClassLD|ModeMEM, 3), retA()}, "scratch slot 3"},
	{"read after write on both branches", []Instruction{
		stmt(OpLoadAbs, 16), jump(OpJEQ, 1, 0, 2), stmt(ClassST, 3), stmt(OpJA, 1), stmt(ClassST, 3), stmt(ClassLD|ModeMEM, 3), retA()}, ""},
	{"write then return then read", []Instruction{
		stmt(OpLoadAbs, 16), stmt(ClassST, 1), jump(OpJEQ, 1, 1, 0), retA(), stmt(ClassLD|ModeMEM, 1), retA()}, ""},
	{"read straight after a return", []Instruction{retA(), stmt(ClassLD|ModeMEM, 0), retA()}, "scratch slot 0"},
	{"ja past the end", []Instruction{stmt(OpJA, 1), retA()}, "past the end"},
	{"jt past the end", []Instruction{jump(OpJEQ, 0, 1, 0), retA()}, "past the end"},
	{"jf past the end", []Instruction{jump(OpJEQ, 0, 0, 1), retA()}, "past the end"},
	{"no return at the end", []Instruction{retA(), stmt(ClassLD|ModeIMM, 0)}, "not a return"},
	{"unknown opcode", []Instruction{stmt(0xff, 0), retA()}, "not allowed"},
	{"longest", longest(MaxInstructions - len(guard())), ""},
	{"too long", longest(MaxInstructions - len(guard()) + 1), "1 to 4096"},
}

// everyOpcode uses every opcode the kernel's seccomp checker accepts.
func everyOpcode() []Instruction {
	p := []Instruction{
		stmt(OpLoadAbs, 0), stmt(ClassLD|SizeW|ModeLEN, 0), stmt(ClassLDX|SizeW|ModeLEN, 0),
		stmt(ClassLD|ModeIMM, 1), stmt(ClassLDX|ModeIMM, 1), stmt(ClassMISC|MiscTAX, 0), stmt(ClassMISC|MiscTXA, 0),
		stmt(ClassST, 0), stmt(ClassSTX, 1), stmt(ClassLD|ModeMEM, 0), stmt(ClassLDX|ModeMEM, 1),
		stmt(ClassALU|AluNEG, 0),
	}
	for _, op := range []uint16{AluADD, AluSUB, AluMUL, AluDIV, AluOR, AluAND, AluXOR, AluLSH, AluRSH} {
		p = append(p, stmt(ClassALU|op|SrcK, 1), stmt(ClassALU|op|SrcX, 0))
	}
	for _, op := range []uint16{JmpJEQ, JmpJGT, JmpJGE, JmpJSET} {
		p = append(p, jump(ClassJMP|op|SrcK, 1, 0, 0), jump(ClassJMP|op|SrcX, 0, 0, 0))
	}
	return append(p, stmt(OpJA, 0), stmt(OpRetK, SeccompRetAllow), retA())
}

func longest(n int) []Instruction {
	p := make([]Instruction, n)
	for i := range p {
		p[i] = stmt(ClassLD|ModeIMM, uint32(i))
	}
	p[n-1] = stmt(OpRetK, SeccompRetAllow)
	return p
}

// guard returns ALLOW for every syscall but kernelProbeNr and falls through
// to the code after it for that one.
func guard() []Instruction {
	return []Instruction{stmt(OpLoadAbs, OffsetNr), jump(OpJEQ, kernelProbeNr, 1, 0), stmt(OpRetK, SeccompRetAllow)}
}

// kernelProbeNr is a syscall number no architecture uses; seccomp still
// sees it, so a filter can answer it with any errno.
const kernelProbeNr = 1000

func TestValidate(t *testing.T) {
	for _, tc := range validateCases {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(append(guard(), tc.body...))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate = %v, want accepted", err)
			case tc.want != "" && err == nil:
				t.Errorf("Validate accepted, want an error with %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Errorf("Validate = %v, want an error with %q", err, tc.want)
			}
		})
	}
	if err := Validate(nil); err == nil || !strings.Contains(err.Error(), "1 to 4096") {
		t.Errorf("Validate(empty) = %v, want an error about the length", err)
	}
}

func TestCacheableAllow(t *testing.T) {
	const arch = 0xc000003e
	archCheck := []Instruction{stmt(OpLoadAbs, OffsetArch), jump(OpJEQ, arch, 1, 0), stmt(OpRetK, 0)}
	tests := []struct {
		name string
		prog []Instruction
		nr   uint32
		want bool
	}{
		{"allow all", []Instruction{stmt(OpRetK, SeccompRetAllow)}, 1, true},
		{"kill all", []Instruction{stmt(OpRetK, 0)}, 1, false},
		{"log is not allow", []Instruction{stmt(OpRetK, 0x7ffc0000)}, 1, false},
		{"arch then allowed nr", append(archCheck, stmt(OpLoadAbs, OffsetNr), jump(OpJEQ, 5, 0, 1), stmt(OpRetK, SeccompRetAllow), stmt(OpRetK, 0)), 5, true},
		{"arch then denied nr", append(archCheck, stmt(OpLoadAbs, OffsetNr), jump(OpJEQ, 5, 0, 1), stmt(OpRetK, SeccompRetAllow), stmt(OpRetK, 0)), 6, false},
		{"jge and jgt", []Instruction{stmt(OpLoadAbs, OffsetNr), jump(OpJGE, 10, 0, 2), jump(OpJGT, 20, 1, 0), stmt(OpRetK, SeccompRetAllow), stmt(OpRetK, 0)}, 15, true},
		{"jset on the masked nr", []Instruction{stmt(OpLoadAbs, OffsetNr), stmt(OpAndK, 0xf0), jump(OpJSET, 0x10, 0, 1), stmt(OpRetK, SeccompRetAllow), stmt(OpRetK, 0)}, 0x11, true},
		{"ja", []Instruction{stmt(OpJA, 1), stmt(OpRetK, 0), stmt(OpRetK, SeccompRetAllow)}, 0, true},
		{"argument load on the path", []Instruction{stmt(OpLoadAbs, 16), jump(OpJEQ, 0, 0, 0), stmt(OpRetK, SeccompRetAllow)}, 0, false},
		{"instruction pointer load on the path", []Instruction{stmt(OpLoadAbs, OffsetIP), stmt(OpRetK, SeccompRetAllow)}, 0, false},
		{"argument load off the path", []Instruction{stmt(OpLoadAbs, OffsetNr), jump(OpJEQ, 3, 0, 2), stmt(OpLoadAbs, 16), retA(), stmt(OpRetK, SeccompRetAllow)}, 4, true},
		{"ret a", []Instruction{stmt(ClassLD|ModeIMM, SeccompRetAllow), retA()}, 0, false},
		{"or is unknown to the rule", []Instruction{stmt(OpLoadAbs, OffsetNr), stmt(ClassALU|AluOR|SrcK, 0), stmt(OpRetK, SeccompRetAllow)}, 0, false},
		{"jump on x is unknown to the rule", []Instruction{stmt(OpLoadAbs, OffsetNr), jump(ClassJMP|JmpJEQ|SrcX, 0, 0, 0), stmt(OpRetK, SeccompRetAllow)}, 0, false},
		{"running off the end", []Instruction{stmt(OpLoadAbs, OffsetNr)}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CacheableAllow(tc.prog, arch, tc.nr); got != tc.want {
				t.Errorf("CacheableAllow(nr %d) = %v, want %v", tc.nr, got, tc.want)
			}
		})
	}
}
