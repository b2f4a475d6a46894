package gen

import (
	"github.com/sandboxgen/sandboxgen/internal/bpf"
)

// optimize rewrites p in place into an equivalent, shorter or faster
// program. Each pass keeps the program's verdict for every input; the
// tests check that by running both forms through the interpreter.
//
//   - shared returns: jumps to a copy of "ret k" go to one copy;
//   - jump threading: a jump to a JA goes to the JA's target, and a JA to
//     a return becomes that return;
//   - a conditional jump with both targets equal becomes a JA, and a JA to
//     the next instruction disappears;
//   - dead code: instructions no path reaches are dropped.
func optimize(p *irProgram) {
	shareReturns(p)
	for changed := true; changed; {
		changed = threadJumps(p)
		changed = dropDead(p) || changed
	}
}

// shareReturns moves the labels of every "ret k" to the last copy of it,
// so that jumps to any copy land on one instruction. Only later copies are
// used: jumps stay forward.
func shareReturns(p *irProgram) {
	last := map[uint32]int{}
	for i, op := range p.ops {
		if op.ins.Code == bpf.OpRetK {
			last[op.ins.K] = i
		}
	}
	for i, op := range p.ops {
		if op.ins.Code != bpf.OpRetK {
			continue
		}
		if j := last[op.ins.K]; j != i && len(p.marks[i]) > 0 {
			p.marks[j] = append(p.marks[j], p.marks[i]...)
			delete(p.marks, i)
		}
	}
}

// threadJumps shortens jump chains and simplifies jumps; it reports
// whether it changed anything.
func threadJumps(p *irProgram) bool {
	pos := p.positions()
	changed := false
	// final follows JA chains from l to the first non-JA instruction.
	final := func(l label) label {
		for steps := 0; steps < len(p.ops); steps++ {
			i := pos[l]
			if i >= len(p.ops) || p.ops[i].ins.Code != bpf.OpJA {
				return l
			}
			l = p.ops[i].jt
		}
		return l
	}
	for i := range p.ops {
		op := &p.ops[i]
		switch {
		case op.ins.Code == bpf.OpJA:
			if t := final(op.jt); t != op.jt {
				op.jt, changed = t, true
			}
			if at := pos[op.jt]; at < len(p.ops) && p.ops[at].ins.Code == bpf.OpRetK {
				*op = irOp{ins: p.ops[at].ins}
				changed = true
			}
		case op.ins.IsConditionalJump():
			if t := final(op.jt); t != op.jt {
				op.jt, changed = t, true
			}
			if t := final(op.jf); t != op.jf {
				op.jf, changed = t, true
			}
			if pos[op.jt] == pos[op.jf] {
				*op = irOp{ins: bpf.Instruction{Code: bpf.OpJA}, jt: op.jt}
				changed = true
			}
		}
	}
	return changed
}

// dropDead removes instructions that no path from the entry reaches and
// JAs to the next instruction; it reports whether it removed any.
func dropDead(p *irProgram) bool {
	pos := p.positions()
	reached := make([]bool, len(p.ops))
	work := []int{0}
	for len(work) > 0 {
		i := work[len(work)-1]
		work = work[:len(work)-1]
		if i >= len(p.ops) || reached[i] {
			continue
		}
		reached[i] = true
		op := p.ops[i]
		switch {
		case op.ins.IsReturn():
		case op.ins.Code == bpf.OpJA:
			work = append(work, pos[op.jt])
		case op.ins.IsConditionalJump():
			work = append(work, pos[op.jt], pos[op.jf])
		default:
			work = append(work, i+1)
		}
	}
	keep := make([]bool, len(p.ops))
	removed := false
	for i, op := range p.ops {
		keep[i] = reached[i] && !(op.ins.Code == bpf.OpJA && pos[op.jt] == i+1)
		removed = removed || !keep[i]
	}
	if !removed {
		return false
	}
	// Labels on a removed instruction move to the next kept one: for a
	// JA to the next instruction that is where it went; dead code has no
	// live jumps to it.
	var ops []irOp
	marks := map[int][]label{}
	var pending []label
	for i, op := range p.ops {
		pending = append(pending, p.marks[i]...)
		if !keep[i] {
			continue
		}
		if len(pending) > 0 {
			marks[len(ops)] = pending
			pending = nil
		}
		ops = append(ops, op)
	}
	p.ops, p.marks = ops, marks
	return true
}
