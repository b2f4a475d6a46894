package analyzer

import (
	"slices"
	"sort"
	"testing"

	"golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/ssa"
)

// TestEdgeOrder: the walk visits a caller's edges by site position and the
// callees of one site by name, whatever order the call graph gives them in
// and wherever the callees are declared (their positions depend on the
// order in which files were parsed).
func TestEdgeOrder(t *testing.T) {
	pkg := buildSnippet(t, `
func b() {}
func a() {}
func c() {}
func caller(f func()) {
	f()
	a()
}
`)
	caller := funcNamed(t, pkg, "caller")
	var sites []ssa.CallInstruction
	for _, blk := range caller.Blocks {
		for _, in := range blk.Instrs {
			if call, ok := in.(ssa.CallInstruction); ok {
				sites = append(sites, call)
			}
		}
	}
	if len(sites) != 2 {
		t.Fatalf("caller has %d calls, want 2", len(sites))
	}
	node := func(name string) *callgraph.Node { return &callgraph.Node{Func: funcNamed(t, pkg, name)} }
	dynamic, static := sites[0], sites[1]
	want := []string{"a", "b", "c", "a"}
	for _, order := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}, {2, 0, 3, 1}} {
		all := []*callgraph.Edge{
			{Site: dynamic, Callee: node("b")},
			{Site: dynamic, Callee: node("c")},
			{Site: static, Callee: node("a")},
			{Site: dynamic, Callee: node("a")},
		}
		edges := make([]*callgraph.Edge, len(all))
		for i, j := range order {
			edges[i] = all[j]
		}
		sort.SliceStable(edges, func(i, j int) bool { return edges[i].Site.Pos() < edges[j].Site.Pos() })
		(&program{}).sortCallees(edges)
		var got []string
		for _, e := range edges {
			got = append(got, e.Callee.Func.Name())
		}
		if !slices.Equal(got, want) || edges[3].Site != static {
			t.Errorf("order %v: visited %v, want %v with the static call last", order, got, want)
		}
	}
}
