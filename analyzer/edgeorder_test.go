package analyzer

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"slices"
	"sort"
	"testing"

	"golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
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

// TestSortedFuncsFileOrder: the order does not depend on the order in
// which a package's files were parsed (which gives their positions).
func TestSortedFuncsFileOrder(t *testing.T) {
	files := map[string]string{
		"a.go": "package p\nfunc a1() {}\nfunc a2() {}\n",
		"b.go": "package p\nfunc b1() {}\nfunc b2() {}\n",
	}
	order := func(names ...string) []string {
		fset := token.NewFileSet()
		var syntax []*ast.File
		for _, name := range names {
			f, err := parser.ParseFile(fset, name, files[name], 0)
			if err != nil {
				t.Fatal(err)
			}
			syntax = append(syntax, f)
		}
		pkg, _, err := ssautil.BuildPackage(&types.Config{}, fset, types.NewPackage("p", "p"), syntax, 0)
		if err != nil {
			t.Fatal(err)
		}
		set := map[*ssa.Function]bool{}
		for _, name := range []string{"a1", "a2", "b1", "b2"} {
			set[pkg.Func(name)] = true
		}
		var got []string
		for _, fn := range sortedFuncs(set) {
			got = append(got, fn.Name())
		}
		return got
	}
	ab, ba := order("a.go", "b.go"), order("b.go", "a.go")
	if want := []string{"a1", "a2", "b1", "b2"}; !slices.Equal(ab, want) || !slices.Equal(ba, want) {
		t.Errorf("parsed a.go first: %v; b.go first: %v; want %v both times", ab, ba, want)
	}
}
