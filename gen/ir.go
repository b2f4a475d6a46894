package gen

import (
	"fmt"

	"github.com/sandboxgen/sandboxgen/internal/bpf"
)

// label names a position in an irProgram; jumps refer to labels so that
// the layout can change (optimization, trampolines) without rewriting
// offsets by hand.
type label int

// irOp is one instruction of the intermediate form. For a conditional jump
// jt and jf are its targets; for JA, jt is. Other instructions ignore them.
type irOp struct {
	ins    bpf.Instruction
	jt, jf label
}

// irProgram is a straight-line list of instructions and label marks. A
// mark makes its label refer to the next instruction after it.
type irProgram struct {
	ops    []irOp
	marks  map[int][]label // index into ops -> labels placed just before it
	labels int
}

func newIR() *irProgram { return &irProgram{marks: map[int][]label{}} }

func (p *irProgram) newLabel() label { p.labels++; return label(p.labels) }

// mark places l before the next instruction emitted.
func (p *irProgram) mark(l label) { p.marks[len(p.ops)] = append(p.marks[len(p.ops)], l) }

func (p *irProgram) emit(ins bpf.Instruction) { p.ops = append(p.ops, irOp{ins: ins}) }

func (p *irProgram) load(off uint32) { p.emit(bpf.Instruction{Code: bpf.OpLoadAbs, K: off}) }

func (p *irProgram) ret(k uint32) { p.emit(bpf.Instruction{Code: bpf.OpRetK, K: k}) }

func (p *irProgram) jump(to label) {
	p.ops = append(p.ops, irOp{ins: bpf.Instruction{Code: bpf.OpJA}, jt: to})
}

// cond emits a conditional jump (op is bpf.OpJEQ, OpJGT, OpJGE or OpJSET).
func (p *irProgram) cond(op uint16, k uint32, jt, jf label) {
	p.ops = append(p.ops, irOp{ins: bpf.Instruction{Code: op, K: k}, jt: jt, jf: jf})
}

// positions returns, for every label, the index of the instruction it
// refers to.
func (p *irProgram) positions() map[label]int {
	pos := make(map[label]int, p.labels)
	for i, ls := range p.marks {
		for _, l := range ls {
			pos[l] = i
		}
	}
	return pos
}

// errTooLong is returned by assemble for a program over the kernel's limit.
type errTooLong struct{ n int }

func (e errTooLong) Error() string { return fmt.Sprintf("%d instructions", e.n) }

// assemble lays the program out as BPF. A conditional branch that would
// jump further than 255 instructions goes through a JA trampoline placed
// right after the jump; trampolines are added until every offset fits.
func (p *irProgram) assemble() ([]bpf.Instruction, error) {
	ops := append([]irOp(nil), p.ops...)
	marks := make(map[int][]label, len(p.marks))
	for i, ls := range p.marks {
		marks[i] = append([]label(nil), ls...)
	}
	nextLabel := p.labels
	for {
		// Trampolines only add instructions: past the limit, stop.
		if len(ops) > bpf.MaxInstructions {
			return nil, errTooLong{len(ops)}
		}
		pos := make(map[label]int, nextLabel)
		for i, ls := range marks {
			for _, l := range ls {
				pos[l] = i
			}
		}
		target := func(at int, l label) (int, error) {
			t, ok := pos[l]
			if !ok {
				return 0, fmt.Errorf("gen: internal error: label %d is never placed", l)
			}
			off := t - at - 1
			if off < 0 {
				return 0, fmt.Errorf("gen: internal error: backward jump at %d", at)
			}
			return off, nil
		}
		// Give every conditional branch that is out of range a
		// trampoline right after it, then lay out again: insertions can
		// push other branches out of range, so repeat until none is.
		type tramp struct {
			after int
			dest  label
			at    label
		}
		var tramps []tramp
		for i := range ops {
			op := &ops[i]
			if !op.ins.IsConditionalJump() {
				continue
			}
			for _, br := range []*label{&op.jt, &op.jf} {
				off, err := target(i, *br)
				if err != nil {
					return nil, err
				}
				if off <= 255 {
					continue
				}
				nextLabel++
				t := tramp{after: i, dest: *br, at: label(nextLabel)}
				*br = t.at
				tramps = append(tramps, t)
			}
		}
		if len(tramps) > 0 {
			var grown []irOp
			shifted := make(map[int][]label, len(marks)+len(tramps))
			k := 0
			for i, op := range ops {
				shifted[len(grown)] = append(shifted[len(grown)], marks[i]...)
				grown = append(grown, op)
				for ; k < len(tramps) && tramps[k].after == i; k++ {
					shifted[len(grown)] = append(shifted[len(grown)], tramps[k].at)
					grown = append(grown, irOp{ins: bpf.Instruction{Code: bpf.OpJA}, jt: tramps[k].dest})
				}
			}
			ops, marks = grown, shifted
			continue
		}
		out := make([]bpf.Instruction, len(ops))
		for i, op := range ops {
			ins := op.ins
			switch {
			case ins.Code == bpf.OpJA:
				off, err := target(i, op.jt)
				if err != nil {
					return nil, err
				}
				ins.K = uint32(off)
			case ins.IsConditionalJump():
				offT, _ := target(i, op.jt)
				offF, _ := target(i, op.jf)
				ins.Jt, ins.Jf = uint8(offT), uint8(offF)
			}
			out[i] = ins
		}
		return out, nil
	}
}
