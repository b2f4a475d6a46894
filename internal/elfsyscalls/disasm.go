package elfsyscalls

import (
	"sort"

	"golang.org/x/arch/x86/x86asm"
)

// The general-purpose registers, by family (rax, eax, ax and al are one).
const (
	regRAX = iota
	regRCX
	regRDX
	regRBX
	regRSP
	regRBP
	regRSI
	regRDI
	regR8
	regR9
	regR10
	regR11
	regR12
	regR13
	regR14
	regR15
	numRegs
)

// unknown is the value of a register that holds no known constant.
const unknown = int64(-1)

// regs holds, per register family, the constant it holds or unknown.
type regs [numRegs]int64

// allUnknown is the state at a function's entry.
var allUnknown = func() regs {
	var r regs
	for i := range r {
		r[i] = unknown
	}
	return r
}()

// family returns the family of a register and whether a write to it sets
// the whole register (32- and 64-bit writes do; 8- and 16-bit ones keep
// the upper bits).
func family(r x86asm.Reg) (fam int, whole, ok bool) {
	switch {
	case r >= x86asm.RAX && r <= x86asm.R15:
		return int(r - x86asm.RAX), true, true
	case r >= x86asm.EAX && r <= x86asm.R15L:
		return int(r - x86asm.EAX), true, true
	case r >= x86asm.AX && r <= x86asm.R15W:
		return int(r - x86asm.AX), false, true
	case r >= x86asm.AL && r <= x86asm.BL:
		return int(r - x86asm.AL), false, true
	case r >= x86asm.AH && r <= x86asm.BH:
		return int(r - x86asm.AH), false, true
	case r >= x86asm.SPB && r <= x86asm.DIB:
		return int(r-x86asm.SPB) + regRSP, false, true
	case r >= x86asm.R8B && r <= x86asm.R15B:
		return int(r-x86asm.R8B) + regR8, false, true
	}
	return 0, false, false
}

// decoded is one instruction of a function.
type decoded struct {
	pc, next uint64
	inst     x86asm.Inst
	bad      bool // bytes that do not decode (data, padding)
}

// isBranch reports whether op is a jump or a call with a target operand.
func isBranch(op x86asm.Op) bool {
	switch op {
	case x86asm.CALL, x86asm.JMP, x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JE, x86asm.JG,
		x86asm.JGE, x86asm.JL, x86asm.JLE, x86asm.JNE, x86asm.JNO, x86asm.JNP, x86asm.JNS, x86asm.JO,
		x86asm.JP, x86asm.JS, x86asm.JCXZ, x86asm.JECXZ, x86asm.JRCXZ, x86asm.LOOP, x86asm.LOOPE, x86asm.LOOPNE:
		return true
	}
	return false
}

// endsFlow reports whether control never falls through past d.
func endsFlow(d decoded) bool {
	switch d.inst.Op {
	case x86asm.JMP, x86asm.RET, x86asm.UD2, x86asm.HLT, x86asm.LRET, x86asm.IRET, x86asm.IRETQ:
		return true
	}
	return d.bad
}

// disassemble decodes function i of g and records its syscalls, calls and
// references. The number of each syscall instruction is the constant rax
// holds there on every path inside the function, worked out by a forward
// data flow over the function's instructions (glibc moves the number
// into eax directly, or through another register such as r8d that is
// live across a retry loop).
func disassemble(g *graph, i int, code []byte, plt map[uint64]pltRef, slots map[uint64]uint64, index map[uint64]int) {
	fn := &g.Funcs[i]
	var insts []decoded
	at := map[uint64]int{}
	for off := 0; off < len(code); {
		pc := fn.Start + uint64(off)
		inst, err := x86asm.Decode(code[off:], 64)
		if err != nil {
			at[pc] = len(insts)
			insts = append(insts, decoded{pc: pc, next: pc + 1, bad: true})
			off++
			continue
		}
		at[pc] = len(insts)
		insts = append(insts, decoded{pc: pc, next: pc + uint64(inst.Len), inst: inst})
		off += inst.Len
	}
	// Predecessors of each instruction by branch, besides fall-through.
	jumpsTo := make([][]int, len(insts))
	for k, d := range insts {
		if d.bad || !isBranch(d.inst.Op) || d.inst.Op == x86asm.CALL {
			continue
		}
		if rel, ok := d.inst.Args[0].(x86asm.Rel); ok {
			if t, ok := at[uint64(int64(d.next)+int64(rel))]; ok {
				jumpsTo[t] = append(jumpsTo[t], k)
			}
		}
	}
	out := make([]regs, len(insts))
	seen := make([]bool, len(insts))
	// forced marks instructions that only unreachable code (padding)
	// precedes: the targets of indirect jumps, entered with nothing known.
	forced := make([]bool, len(insts))
	// in returns the state before instruction k, false while none of its
	// predecessors has been worked out (or never, for padding that no
	// path reaches).
	in := func(k int) (regs, bool) {
		var st regs
		first := true
		meet := func(o regs) {
			if first {
				st, first = o, false
				return
			}
			for r := range st {
				if st[r] != o[r] {
					st[r] = unknown
				}
			}
		}
		pending := len(jumpsTo[k]) > 0
		if k == 0 || forced[k] {
			meet(allUnknown)
		}
		if k > 0 && !endsFlow(insts[k-1]) {
			if seen[k-1] {
				meet(out[k-1])
			} else {
				pending = true
			}
		}
		for _, p := range jumpsTo[k] {
			if seen[p] {
				meet(out[p])
			}
		}
		if first {
			if pending || padding(insts[k]) {
				return st, false
			}
			// No predecessor: the target of an indirect jump.
			return allUnknown, true
		}
		return st, true
	}
	// Iterate to a fixed point; states only lose constants, so this ends.
	// Then start again from the instructions nothing reached yet (the
	// targets of indirect jumps), until every one but padding is.
	for {
		for changed := true; changed; {
			changed = false
			for k := range insts {
				before, ok := in(k)
				if !ok {
					continue
				}
				st := transfer(insts[k], before)
				if !seen[k] || st != out[k] {
					seen[k], out[k], changed = true, st, true
				}
			}
		}
		// Seed, all at once, every unreached instruction that only
		// padding or the end of a flow precedes; the others follow
		// from them.
		seeded := false
		for k := range insts {
			if seen[k] || padding(insts[k]) || forced[k] {
				continue
			}
			if k == 0 || endsFlow(insts[k-1]) || (padding(insts[k-1]) && !seen[k-1]) {
				forced[k], seeded = true, true
			}
		}
		if !seeded {
			break
		}
	}

	calls := map[int]bool{}
	imports := map[string]bool{}
	// wrapper records a reference to libc's syscall(2) wrapper: the
	// number a call or tail jump passes in %rdi, unknown for any other
	// reference (its address taken).
	wrapper := func(k int, r pltRef, branch bool) {
		if r.sym != syscallWrapper {
			return
		}
		nr := unknown
		if before, ok := in(k); ok && branch {
			nr = before[regRDI]
		}
		fn.WrapperNrs = append(fn.WrapperNrs, nr)
	}
	k := 0
	target := func(addr uint64) {
		if r, ok := plt[addr]; ok {
			r.into(g, calls, imports, index)
			wrapper(k, r, true)
			return
		}
		if addr >= fn.Start && addr < fn.End {
			return
		}
		if j, ok := g.find(addr); ok {
			calls[j] = true
		}
	}
	for k = range insts {
		d := insts[k]
		if d.bad {
			continue
		}
		inst := d.inst
		switch {
		case inst.Op == x86asm.SYSCALL:
			nr := unknown
			if before, ok := in(k); ok {
				nr = before[regRAX]
			}
			if nr == unknown && setxidBroadcast(insts[:k]) {
				nr = setxidNr
			}
			fn.Syscalls = append(fn.Syscalls, nr)
			continue
		case isBranch(inst.Op):
			switch a := inst.Args[0].(type) {
			case x86asm.Rel:
				target(uint64(int64(d.next) + int64(a)))
			case x86asm.Mem:
				if a.Base == x86asm.RIP {
					if r, ok := plt[uint64(int64(d.next)+a.Disp)]; ok {
						r.into(g, calls, imports, index)
						wrapper(k, r, true)
					}
				}
			}
			continue
		}
		// Any other reference to memory at a fixed address: a function
		// whose address is taken, or a GOT slot (mov sym@GOTPCREL).
		for _, arg := range inst.Args {
			if m, ok := arg.(x86asm.Mem); ok && m.Base == x86asm.RIP {
				addr := uint64(int64(d.next) + m.Disp)
				if r, ok := plt[addr]; ok {
					r.into(g, calls, imports, index)
					wrapper(k, r, false)
				} else if j, ok := index[addr]; ok && inst.Op == x86asm.LEA {
					calls[j] = true
				} else if !ok {
					tableAt(addr, slots, index, calls)
				}
			}
		}
	}
	for j := range calls {
		fn.Calls = append(fn.Calls, j)
	}
	sort.Ints(fn.Calls)
	for s := range imports {
		fn.Imports = append(fn.Imports, s)
	}
	sort.Strings(fn.Imports)
}

// setxidNr stands for the number of glibc's setxid broadcast: see
// setxidBroadcast.
const setxidNr = int64(-2)

// setxidSyscalls are the numbers (amd64) that glibc's setxid broadcast can
// make: the set*id functions store theirs in the command it hands every
// thread (nptl/nptl_setxid.c, INLINE_SETXID_SYSCALL).
var setxidSyscalls = []uint32{105, 106, 113, 114, 116, 117, 119} // setuid, setgid, setreuid, setregid, setgroups, setresuid, setresgid

// setxidBroadcast reports whether the syscall after insts takes its number
// and arguments from a struct xid_command { int syscall_no; long id[3]; }:
// mov (R),%eax with %rdi, %rsi and %rdx from 8, 16 and 24(R), in the
// instructions just before it. glibc makes every thread run the set*id
// syscall a set*id function asked for this way, so its numbers are that
// family's, not any syscall's.
func setxidBroadcast(insts []decoded) bool {
	want := map[x86asm.Reg]int64{x86asm.EAX: 0, x86asm.RDI: 8, x86asm.RSI: 16, x86asm.RDX: 24}
	var base x86asm.Reg
	for k := len(insts) - 1; k >= 0 && k >= len(insts)-8 && len(want) > 0; k-- {
		d := insts[k]
		if d.bad || isBranch(d.inst.Op) || d.inst.Op != x86asm.MOV {
			break
		}
		dst, ok := d.inst.Args[0].(x86asm.Reg)
		m, ok2 := d.inst.Args[1].(x86asm.Mem)
		if !ok || !ok2 || m.Index != 0 {
			continue
		}
		if disp, ok := want[dst]; ok && disp == m.Disp && (base == 0 || base == m.Base) {
			base = m.Base
			delete(want, dst)
		}
	}
	return len(want) == 0
}

// tableAt adds to calls the functions of a table of function pointers at
// addr, which the code references: glibc's stdio reaches read, write and
// lseek through vtables (struct _IO_jump_t) whose address it loads. Slots
// are 8 bytes; the table runs while its slots hold pointers to functions
// (a dynamic relocation says so) or nothing, and ends at two empty slots
// in a row after the first function or after 4 slots without one.
func tableAt(addr uint64, slots map[uint64]uint64, index map[uint64]int, calls map[int]bool) {
	if len(slots) == 0 {
		return
	}
	empty, found := 0, false
	for k := uint64(0); k < 512; k++ {
		fn, ok := slots[addr+8*k]
		if !ok {
			empty++
			if (found && empty >= 2) || (!found && empty >= 4) {
				return
			}
			continue
		}
		j, isFunc := index[fn]
		if !isFunc {
			return
		}
		calls[j] = true
		empty, found = 0, true
	}
}

// padding reports whether d is what compilers put between functions and
// blocks to align them, which no path runs.
func padding(d decoded) bool {
	if d.bad {
		return true
	}
	switch d.inst.Op {
	case x86asm.NOP, x86asm.INT, x86asm.XCHG:
		return true
	}
	return false
}

// transfer returns the register state after d, given the state before.
func transfer(d decoded, st regs) regs {
	if d.bad {
		return allUnknown
	}
	inst := d.inst
	forget := func(fams ...int) {
		for _, f := range fams {
			st[f] = unknown
		}
	}
	switch inst.Op {
	case x86asm.CALL:
		// The callee may change every caller-saved register.
		forget(regRAX, regRCX, regRDX, regRSI, regRDI, regR8, regR9, regR10, regR11)
		return st
	case x86asm.SYSCALL:
		forget(regRAX, regRCX, regR11)
		return st
	case x86asm.CPUID:
		forget(regRAX, regRBX, regRCX, regRDX)
		return st
	case x86asm.RDTSC, x86asm.RDTSCP, x86asm.DIV, x86asm.IDIV, x86asm.MUL, x86asm.CDQ, x86asm.CQO,
		x86asm.XGETBV, x86asm.RDPMC:
		forget(regRAX, regRDX, regRCX)
		return st
	case x86asm.CMPXCHG, x86asm.CDQE, x86asm.CWDE, x86asm.LODSB, x86asm.LODSD, x86asm.LODSQ, x86asm.LODSW,
		x86asm.SCASB, x86asm.SCASD, x86asm.SCASQ, x86asm.SCASW:
		forget(regRAX, regRCX, regRDI, regRSI)
		return st
	case x86asm.MOVSB, x86asm.MOVSD, x86asm.MOVSQ, x86asm.MOVSW, x86asm.STOSB, x86asm.STOSD,
		x86asm.STOSQ, x86asm.STOSW, x86asm.CMPSB, x86asm.CMPSD, x86asm.CMPSQ, x86asm.CMPSW:
		forget(regRCX, regRDI, regRSI)
		return st
	case x86asm.CMP, x86asm.TEST, x86asm.PUSH, x86asm.BT, x86asm.NOP:
		return st
	}
	if inst.Op == x86asm.XCHG || inst.Op == x86asm.XADD || inst.Op == x86asm.CMPXCHG {
		for _, a := range inst.Args[:2] {
			if r, ok := a.(x86asm.Reg); ok {
				if f, _, ok := family(r); ok {
					st[f] = unknown
				}
			}
		}
		return st
	}
	dst, ok := inst.Args[0].(x86asm.Reg)
	if !ok {
		return st
	}
	f, whole, ok := family(dst)
	if !ok {
		return st
	}
	v := unknown
	if whole {
		switch inst.Op {
		case x86asm.MOV:
			switch src := inst.Args[1].(type) {
			case x86asm.Imm:
				v = int64(uint32(src))
			case x86asm.Reg:
				if sf, sw, ok := family(src); ok && sw {
					v = st[sf]
				}
			}
		case x86asm.XOR, x86asm.SUB:
			if src, ok := inst.Args[1].(x86asm.Reg); ok && src == dst {
				v = 0
			}
		}
	}
	st[f] = v
	return st
}
