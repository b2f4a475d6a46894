package analysiscache

import (
	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/gen"
)

// The stored form of a report is its JSON, with one change: gen.Action
// keeps its kind and data unexported, so each argument rule's action is
// stored as the SECCOMP_RET_* value it returns (gen.Action.Ret), from which
// gen.ActionFromRet gives the same action back. Everything else in a
// Program is exported data; its unexported fields (the argument facts, the
// cgo note) are used up inside analyzer.Analyze before it returns.

type wireReport struct {
	// Refs is the digest of the reference programs of a cross build
	// (refsDigest): the entry answers only an analysis with the same.
	Refs     string `json:",omitempty"`
	Programs []*wireProgram
}

type wireProgram struct {
	analyzer.Program
	Syscalls  []wireNeed
	Runtime   []wireNeed
	Pruned    []wireNeed
	Outliving []wireGoroutine
}

type wireGoroutine struct {
	analyzer.Goroutine
	Needs []wireNeed
}

type wireNeed struct {
	analyzer.Need
	Rules []wireRule
}

type wireRule struct {
	Args []gen.ArgCond
	// Ret is the action's SECCOMP_RET_* value; Unset marks the zero
	// Action, which has none.
	Ret   uint32
	Unset bool
}

func toWire(r *analyzer.Report) *wireReport {
	w := &wireReport{}
	for _, p := range r.Programs {
		w.Programs = append(w.Programs, toWireProgram(p))
	}
	return w
}

func fromWire(w *wireReport) *analyzer.Report {
	r := &analyzer.Report{}
	for _, p := range w.Programs {
		r.Programs = append(r.Programs, fromWireProgram(p))
	}
	return r
}

func toWireProgram(p *analyzer.Program) *wireProgram {
	w := &wireProgram{Program: *p}
	w.Program.Syscalls, w.Program.Runtime, w.Program.Pruned, w.Program.Outliving = nil, nil, nil, nil
	w.Syscalls, w.Runtime, w.Pruned = toWireNeeds(p.Syscalls), toWireNeeds(p.Runtime), toWireNeeds(p.Pruned)
	if p.Outliving != nil {
		w.Outliving = make([]wireGoroutine, len(p.Outliving))
		for i, g := range p.Outliving {
			w.Outliving[i] = wireGoroutine{Goroutine: g, Needs: toWireNeeds(g.Needs)}
			w.Outliving[i].Goroutine.Needs = nil
		}
	}
	return w
}

func fromWireProgram(w *wireProgram) *analyzer.Program {
	p := w.Program
	p.Syscalls, p.Runtime, p.Pruned = fromWireNeeds(w.Syscalls), fromWireNeeds(w.Runtime), fromWireNeeds(w.Pruned)
	p.Outliving = nil
	if w.Outliving != nil {
		p.Outliving = make([]analyzer.Goroutine, len(w.Outliving))
		for i, g := range w.Outliving {
			p.Outliving[i] = g.Goroutine
			p.Outliving[i].Needs = fromWireNeeds(g.Needs)
		}
	}
	return &p
}

func toWireNeeds(needs []analyzer.Need) []wireNeed {
	if needs == nil {
		return nil
	}
	out := make([]wireNeed, len(needs))
	for i, n := range needs {
		out[i] = wireNeed{Need: n}
		out[i].Need.Rules = nil
		if n.Rules != nil {
			out[i].Rules = make([]wireRule, len(n.Rules))
			for j, r := range n.Rules {
				wr := wireRule{Args: r.Args, Unset: r.Action.IsZero()}
				if !wr.Unset {
					wr.Ret = r.Action.Ret()
				}
				out[i].Rules[j] = wr
			}
		}
	}
	return out
}

func fromWireNeeds(needs []wireNeed) []analyzer.Need {
	if needs == nil {
		return nil
	}
	out := make([]analyzer.Need, len(needs))
	for i, n := range needs {
		out[i] = n.Need
		out[i].Rules = nil
		if n.Rules != nil {
			out[i].Rules = make([]gen.Rule, len(n.Rules))
			for j, r := range n.Rules {
				rule := gen.Rule{Args: r.Args}
				if !r.Unset {
					rule.Action = gen.ActionFromRet(r.Ret)
				}
				out[i].Rules[j] = rule
			}
		}
	}
	return out
}
