package analyzer

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

// buildSnippet builds the SSA of a one-file package p from src, which must
// not import anything.
func buildSnippet(t *testing.T, src string) *ssa.Package {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", "package p\n"+src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	pkg, _, err := ssautil.BuildPackage(&types.Config{}, fset, types.NewPackage("p", "p"), []*ast.File{f}, ssa.SanityCheckFunctions)
	if err != nil {
		t.Fatal(err)
	}
	return pkg
}

// funcNamed finds a function of pkg by name, closures ("f$1") included.
func funcNamed(t *testing.T, pkg *ssa.Package, name string) *ssa.Function {
	t.Helper()
	for fn := range ssautil.AllFunctions(pkg.Prog) {
		if fn.Pkg == pkg && fn.Name() == name {
			return fn
		}
	}
	t.Fatalf("no function %s", name)
	return nil
}

// useArg returns the argument of the first call of use in fn.
func useArg(t *testing.T, fn *ssa.Function) ssa.Value {
	t.Helper()
	for _, b := range fn.Blocks {
		for _, in := range b.Instrs {
			if c, ok := in.(*ssa.Call); ok {
				if callee := c.Common().StaticCallee(); callee != nil && callee.Name() == "use" {
					return c.Common().Args[0]
				}
			}
		}
	}
	t.Fatalf("%s does not call use", fn.Name())
	return nil
}

// staticCallers lists the static calls of every function of pkg.
func staticCallers(pkg *ssa.Package) func(*ssa.Function) []ssa.CallInstruction {
	calls := map[*ssa.Function][]ssa.CallInstruction{}
	for fn := range ssautil.AllFunctions(pkg.Prog) {
		for _, b := range fn.Blocks {
			for _, in := range b.Instrs {
				if c, ok := in.(ssa.CallInstruction); ok && c.Common().StaticCallee() != nil {
					callee := c.Common().StaticCallee()
					calls[callee] = append(calls[callee], c)
				}
			}
		}
	}
	return func(fn *ssa.Function) []ssa.CallInstruction { return calls[fn] }
}

// sourceString writes a source for comparison: its kind and the value.
func sourceString(s source) string {
	kind := map[sourceKind]string{sourceValue: "value", sourceUnbound: "unbound", sourceUncalled: "uncalled",
		sourceEscaping: "escaping", sourceZero: "zero"}[s.kind]
	var v string
	switch x := s.v.(type) {
	case *ssa.Const:
		v = x.String()
	case *ssa.Function:
		v = "func " + x.Name()
	case *ssa.MakeClosure:
		v = "closure " + x.Fn.Name()
	case *ssa.Parameter:
		v = "param " + x.Name()
	case *ssa.Global:
		v = "global " + x.Name()
	default:
		v = fmt.Sprintf("%T", s.v)
	}
	if s.why != "" {
		v += " (" + s.why + ")"
	}
	return kind + " " + v
}

func TestValueFlowTrace(t *testing.T) {
	// noEdge1 follows every phi edge but the second.
	noEdge1 := func(_ *ssa.Phi, i int) bool { return i != 1 }
	cases := []struct {
		name  string
		src   string
		fn    string // the function whose call of use is traced
		rules flowRules
		// callers, when set, traces parameters to the static calls.
		callers bool
		want    []string
	}{
		{"phi of constants", `func use(int) {}
			func f(b bool) { x := 1; if b { x = 2 }; use(x) }`, "f", flowRules{}, false,
			[]string{"value 1:int", "value 2:int"}},
		{"phi edges the rules exclude", `func use(int) {}
			func f(b bool) { x := 1; if b { x = 2 }; use(x) }`, "f", flowRules{phiEdge: noEdge1}, false,
			[]string{"value 1:int"}},
		{"a phi in a loop", `func use(int) {}
			func f(n int) { x := 1; for i := 0; i < n; i++ { if i == 2 { x = 3 } }; use(x) }`, "f", flowRules{}, false,
			[]string{"value 1:int", "value 3:int"}},
		{"ChangeType always", `type N int
			func use(int) {}
			func f(x N) { use(int(x)) }`, "f", flowRules{}, false,
			[]string{"value param x"}},
		{"Convert without conversions", `func use(int64) {}
			func f(x int32) { use(int64(x)) }`, "f", flowRules{}, false,
			[]string{"value *ssa.Convert"}},
		{"Convert with conversions", `func use(int64) {}
			func f(x int32) { use(int64(x)) }`, "f", flowRules{conversions: true}, false,
			[]string{"value param x"}},
		{"MakeInterface without interfaces", `func use(any) {}
			func f() { use(3) }`, "f", flowRules{}, false,
			[]string{"value *ssa.MakeInterface"}},
		{"MakeInterface with interfaces", `func use(any) {}
			func f() { use(3) }`, "f", flowRules{interfaces: true}, false,
			[]string{"value 3:int"}},
		{"functions and closures", `func use(func()) {}
			func g() {}
			func f(b bool) { x := 1; h := g; if b { h = func() { x++ } }; use(h) }`, "f", flowRules{}, false,
			[]string{"value func g", "value closure f$1"}},
		{"captured variable without freeVars or cells", `func use(int) {}
			func f() { x := 5; g := func() { use(x) }; g() }`, "f$1", flowRules{}, false,
			[]string{"value *ssa.UnOp"}},
		{"captured variable with cells", `func use(int) {}
			func f() { x := 5; g := func() { use(x) }; x = 6; g() }`, "f$1", flowRules{cells: true}, false,
			[]string{"value 5:int", "value 6:int"}},
		{"free variable bound to a function", `func use(func()) {}
			func g() {}
			func f() { h := g; k := func() { use(h) }; k() }`, "f$1", flowRules{freeVars: true, cells: true}, false,
			[]string{"value func g"}},
		{"local cell stored in a closure", `func use(int) {}
			func f() { x := 1; set := func() { x = 2 }; set(); use(x) }`, "f", flowRules{cells: true}, false,
			[]string{"value 1:int", "value 2:int"}},
		{"package variable", `var g int
			func init() { g = 7 }
			func use(int) {}
			func f() { use(g) }`, "f", flowRules{cells: true}, false,
			[]string{"value 7:int"}},
		{"package variable never assigned", `var h int
			func use(int) {}
			func f() { use(h) }`, "f", flowRules{cells: true}, false,
			[]string{"zero *ssa.UnOp"}},
		{"package variable whose address escapes", `var e = 3
			func keep(*int) {}
			func use(int) {}
			func f() { keep(&e); use(e) }`, "f", flowRules{cells: true}, false,
			[]string{"escaping *ssa.UnOp (its address is used by keep(e) at p.go:5:19)"}},
		{"local cell whose address escapes", `func keep(*int) {}
			func use(int) {}
			func f() { x := 1; keep(&x); use(x) }`, "f", flowRules{cells: true}, false,
			[]string{"escaping *ssa.UnOp (its address is used by keep(t0) at p.go:4:27)"}},
		{"parameter without callers", `func use(int) {}
			func g(x int) { use(x) }
			func f() { g(4); g(5) }`, "g", flowRules{}, false,
			[]string{"value param x"}},
		{"parameter to its callers' arguments", `func use(int) {}
			func g(x int) { use(x) }
			func f() { g(4); g(5) }`, "g", flowRules{}, true,
			[]string{"value 4:int", "value 5:int"}},
		{"parameter of a function nobody calls", `func use(int) {}
			func lone(x int) { use(x) }`, "lone", flowRules{}, true,
			[]string{"uncalled param x"}},
		{"a computation", `func use(int) {}
			func f(x int) { use(x + 1) }`, "f", flowRules{conversions: true, interfaces: true, freeVars: true, cells: true}, false,
			[]string{"value *ssa.BinOp"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pkg := buildSnippet(t, c.src)
			rules := c.rules
			if c.callers {
				rules.callers = staticCallers(pkg)
			}
			var got []string
			newValueFlow(pkg.Prog).trace(useArg(t, funcNamed(t, pkg, c.fn)), rules, func(s source) bool {
				got = append(got, sourceString(s))
				return true
			})
			if !slices.Equal(got, c.want) {
				t.Errorf("sources %q, want %q", got, c.want)
			}
		})
	}
}

// TestValueFlowStop checks that a trace ends when visit says so.
func TestValueFlowStop(t *testing.T) {
	pkg := buildSnippet(t, `func use(int) {}
		func f(a, b bool) { x := 1; if a { x = 2 }; if b { x = 3 }; use(x) }`)
	v := useArg(t, funcNamed(t, pkg, "f"))
	all, first := 0, 0
	newValueFlow(pkg.Prog).trace(v, flowRules{}, func(source) bool { all++; return true })
	newValueFlow(pkg.Prog).trace(v, flowRules{}, func(source) bool { first++; return false })
	if all != 3 || first != 1 {
		t.Errorf("visited %d sources in all and %d when the first stops the trace, want 3 and 1", all, first)
	}
}

// TestNumbers checks the syscall-number interpreter of the tracer's
// sources, including a number computed from itself, which must end as
// unknown rather than recurse for ever.
func TestNumbers(t *testing.T) {
	cases := []struct {
		name    string
		src     string
		consts  []uint64
		params  int
		unknown string // a part of the one reason, "" for none
	}{
		{"constants through a phi", `func use(uintptr) {}
			func f(b bool) { nr := 3; if b { nr = 4 }; use(uintptr(nr)) }`, []uint64{3, 4}, 0, ""},
		{"a parameter makes a wrapper", `func use(uintptr) {}
			func f(nr int) { use(uintptr(nr)) }`, nil, 1, ""},
		{"base plus offset", `var base = 100
			func use(uintptr) {}
			func f() { use(uintptr(base + 3)) }`, []uint64{103}, 0, ""},
		{"package variable never assigned", `var nr uintptr
			func use(uintptr) {}
			func f() { use(nr) }`, []uint64{0}, 0, ""},
		{"a counter in a loop", `func use(uintptr) {}
			func f(n int) { nr := 10; for i := 0; i < n; i++ { nr = nr + 1 }; use(uintptr(nr)) }`, []uint64{10}, 0, "is computed"},
		{"the result of a call", `func use(uintptr) {}
			func get() uintptr { return 1 }
			func f() { use(get()) }`, nil, 0, "is the result of calling p.get"},
		{"a non-integer constant", `func use(any) {}
			func f() { use(nil) }`, nil, 0, "non-integer constant"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pkg := buildSnippet(t, c.src)
			n := newValueFlow(pkg.Prog).numbers(useArg(t, funcNamed(t, pkg, "f")))
			var got []uint64
			for nr := range n.consts {
				got = append(got, nr)
			}
			slices.Sort(got)
			if !slices.Equal(got, c.consts) {
				t.Errorf("constants %v, want %v", got, c.consts)
			}
			if len(n.params) != c.params {
				t.Errorf("%d parameters, want %d", len(n.params), c.params)
			}
			switch {
			case c.unknown == "" && len(n.unknown) > 0:
				t.Errorf("unknown %q, want none", n.unknown)
			case c.unknown != "" && (len(n.unknown) != 1 || !strings.Contains(n.unknown[0], c.unknown)):
				t.Errorf("unknown %q, want one containing %q", n.unknown, c.unknown)
			}
		})
	}
}
