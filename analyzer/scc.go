package analyzer

import "golang.org/x/tools/go/ssa"

// sccMemo decides an answer of type T for SSA values whose answers depend
// on other values' answers, with cycles (parameters, fields, phis): a
// depth-first walk that finds strongly connected components (Tarjan)
// gives every member of a component the join of their own answers, so
// each value is decided once. hiddenFlow and typeFlow are two such
// questions.
type sccMemo[T any] struct {
	// own computes v's answer from its sources, asking get for each: the
	// source's answer, or the zero T for one whose component is still
	// open (the join at the component's root makes up for it).
	own  func(v ssa.Value, get func(ssa.Value) T) T
	join func(a, b T) T

	done    map[ssa.Value]T
	index   map[ssa.Value]int // DFS number of values on the stack
	low     map[ssa.Value]int
	acc     map[ssa.Value]T // own answer, per value on the stack
	stack   []ssa.Value
	counter int
}

// newSCCMemo returns a memo of the answers own computes, joined by join.
func newSCCMemo[T any](own func(ssa.Value, func(ssa.Value) T) T, join func(a, b T) T) *sccMemo[T] {
	return &sccMemo[T]{own: own, join: join, done: map[ssa.Value]T{}, index: map[ssa.Value]int{},
		low: map[ssa.Value]int{}, acc: map[ssa.Value]T{}}
}

// decide returns v's answer.
func (m *sccMemo[T]) decide(v ssa.Value) T {
	if res, ok := m.done[v]; ok {
		return res
	}
	if _, onStack := m.index[v]; onStack {
		var open T
		return open // decided with its component
	}
	m.counter++
	m.index[v], m.low[v] = m.counter, m.counter
	m.stack = append(m.stack, v)
	own := m.own(v, func(u ssa.Value) T {
		res := m.decide(u)
		if _, onStack := m.index[u]; onStack && m.low[u] < m.low[v] {
			m.low[v] = m.low[u]
		}
		return res
	})
	m.acc[v] = own
	if m.low[v] != m.index[v] {
		return own
	}
	// v is the root of a component: every member shares the answer.
	i := len(m.stack) - 1
	for m.stack[i] != v {
		i--
	}
	comp := m.stack[i:]
	res := m.acc[comp[0]]
	for _, x := range comp[1:] {
		res = m.join(res, m.acc[x])
	}
	for _, x := range comp {
		m.done[x] = res
		delete(m.index, x)
		delete(m.low, x)
		delete(m.acc, x)
	}
	m.stack = m.stack[:i]
	return res
}
