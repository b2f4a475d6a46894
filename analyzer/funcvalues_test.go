package analyzer

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"slices"
	"testing"

	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

// TestFuncValuesOnce: a remembered answer holds while the reach gains no
// call of a function whose parameters it traced, and is traced again
// once it does; and it is funcValues's answer.
func TestFuncValuesOnce(t *testing.T) {
	const src = `package p
func a() {}
func b() {}
func call(f func()) { f() }
func main() { call(a) }
func other() { call(b) }
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, _, err := ssautil.BuildPackage(&types.Config{}, fset, types.NewPackage("p", "p"), []*ast.File{f}, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := &program{prog: pkg.Prog, mainPkg: pkg, flow: newValueFlow(pkg.Prog)}
	callFn := pkg.Func("call")
	param := callFn.Params[0]
	siteIn := func(caller *ssa.Function) edge {
		for _, b := range caller.Blocks {
			for _, in := range b.Instrs {
				if c, ok := in.(*ssa.Call); ok && c.Common().StaticCallee() == callFn {
					return edge{caller: caller, site: c, callee: callFn}
				}
			}
		}
		t.Fatalf("no call of call in %s", caller)
		return edge{}
	}
	r := &reach{funcs: map[*ssa.Function]bool{}, pred: map[*ssa.Function][]edge{}}
	r.pred[callFn] = append(r.pred[callFn], siteIn(pkg.Func("main")))
	names := func(fns []*ssa.Function) []string {
		var out []string
		for _, fn := range fns {
			out = append(out, fn.Name())
		}
		slices.Sort(out)
		return out
	}
	check := func(when string, want ...string) {
		t.Helper()
		got, _ := p.funcValuesOnce(r, param)
		if !slices.Equal(names(got), want) {
			t.Errorf("%s: funcValuesOnce = %v, want %v", when, names(got), want)
		}
		direct, _ := p.funcValues(r, param)
		if !slices.Equal(names(direct), want) {
			t.Errorf("%s: funcValues = %v, want %v", when, names(direct), want)
		}
	}
	check("called from main", "a")
	check("asked again", "a")
	r.pred[callFn] = append(r.pred[callFn], siteIn(pkg.Func("other")))
	check("once other's call is in the reach", "a", "b")
}
