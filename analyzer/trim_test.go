package analyzer

import (
	"go/ast"
	"go/importer"
	"go/token"
	"go/types"
	"testing"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
)

// trimSource has a generic function, a method of a generic type, a plain
// function and one with a go statement.
const trimSource = `package p

type List[T any] struct{ items []T }

func (l *List[T]) Push(x T) { l.items = append(l.items, x) }

func Map[T, U any](xs []T, f func(T) U) []U {
	var out []U
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func Plain(x int) int { return x + 1 }

func Starts() { go Plain(1) }

func Uses() []string { return Map([]int{1}, func(i int) string { return "" }) }
`

// TestTrimBuilt checks what buildTrimmed drops once the SSA is built: the
// bodies of plain functions and the type information outside generic
// declarations go; generic bodies and those with a go statement stay, and
// an instance first asked for after the trim is still built.
func TestTrimBuilt(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parseFile(fset, "p.go", []byte(trimSource))
	if err != nil {
		t.Fatal(err)
	}
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
		Uses: map[*ast.Ident]types.Object{}, Implicits: map[ast.Node]types.Object{},
		Instances: map[*ast.Ident]types.Instance{}, Scopes: map[ast.Node]*types.Scope{},
		Selections: map[*ast.SelectorExpr]*types.Selection{}, FileVersions: map[*ast.File]string{},
	}
	pkg, err := (&types.Config{Importer: importer.Default()}).Check("p", fset, []*ast.File{f}, info)
	if err != nil {
		t.Fatal(err)
	}
	b := syntaxOf(&packages.Package{PkgPath: "p", Syntax: []*ast.File{f}, TypesInfo: info, Types: pkg})
	prog := ssa.NewProgram(fset, ssa.InstantiateGenerics)
	prog.CreatePackage(pkg, []*ast.File{f}, info, true)
	buildTrimmed(prog, b)

	decls := map[string]*ast.FuncDecl{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			decls[fd.Name.Name] = fd
		}
	}
	for _, tc := range []struct {
		name string
		kept bool
	}{
		{"Push", true}, {"Map", true}, {"Starts", true}, {"Plain", false}, {"Uses", false},
	} {
		if got := decls[tc.name].Body != nil; got != tc.kept {
			t.Errorf("%s: body kept = %v, want %v", tc.name, got, tc.kept)
		}
	}
	inGeneric := func(n ast.Node) bool {
		for _, name := range []string{"Push", "Map"} {
			if d := decls[name]; d.Pos() <= n.Pos() && n.Pos() < d.End() {
				return true
			}
		}
		return false
	}
	insideTypes := 0
	for e := range info.Types {
		if !inGeneric(e) {
			t.Errorf("type of %s at %s kept outside the generic declarations", types.ExprString(e), fset.Position(e.Pos()))
		}
		insideTypes++
	}
	for id := range info.Uses {
		if !inGeneric(id) {
			t.Errorf("use of %s at %s kept outside the generic declarations", id.Name, fset.Position(id.Pos()))
		}
	}
	if insideTypes == 0 || len(info.Defs) == 0 {
		t.Errorf("the generic declarations lost their type information: %d types, %d definitions", insideTypes, len(info.Defs))
	}
	if info.Scopes != nil {
		t.Error("Scopes kept")
	}

	// List[string] appears nowhere in the source: its Push is first built
	// now, from the trimmed syntax and type information.
	list := pkg.Scope().Lookup("List").Type()
	inst, err := types.Instantiate(nil, list, []types.Type{types.Typ[types.String]}, true)
	if err != nil {
		t.Fatal(err)
	}
	sel := prog.MethodSets.MethodSet(types.NewPointer(inst)).Lookup(pkg, "Push")
	if sel == nil {
		t.Fatal("(*List[string]).Push not in the method set")
	}
	fn := prog.MethodValue(sel)
	if fn == nil || len(fn.Blocks) == 0 {
		t.Fatalf("(*List[string]).Push was not built after the trim: %v", fn)
	}
}

// TestTrimInfoFileOrder checks the trim when the file set gave a package's
// files their ranges in another order than the package lists them (the
// files are parsed concurrently): the type information of the generic
// declarations of every file stays, so that an instance first asked for
// after the trim is built (github.com/zclconf/go-cty's set.Set[any], in
// yq, crashed the SSA builder before).
func TestTrimInfoFileOrder(t *testing.T) {
	fset := token.NewFileSet()
	// b.go is parsed first, so its positions are the lower ones.
	fb, err := parseFile(fset, "b.go", []byte("package p\n\ntype Rules[T any] interface{ Hash(T) int }\n\ntype Set[T any] struct{ rules Rules[T] }\n\nfunc (s Set[T]) HasRules(rules Rules[T]) bool { return s.rules == rules }\n"))
	if err != nil {
		t.Fatal(err)
	}
	fa, err := parseFile(fset, "a.go", []byte("package p\n\nfunc Keys[K comparable, V any](m map[K]V) []K {\n\tvar out []K\n\tfor k := range m {\n\t\tout = append(out, k)\n\t}\n\treturn out\n}\n\nfunc Plain() []string { return Keys(map[string]int{}) }\n"))
	if err != nil {
		t.Fatal(err)
	}
	files := []*ast.File{fa, fb} // listed in the other order
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
		Uses: map[*ast.Ident]types.Object{}, Implicits: map[ast.Node]types.Object{},
		Instances: map[*ast.Ident]types.Instance{}, Scopes: map[ast.Node]*types.Scope{},
		Selections: map[*ast.SelectorExpr]*types.Selection{}, FileVersions: map[*ast.File]string{},
	}
	pkg, err := (&types.Config{Importer: importer.Default()}).Check("p", fset, files, info)
	if err != nil {
		t.Fatal(err)
	}
	b := syntaxOf(&packages.Package{PkgPath: "p", Syntax: files, TypesInfo: info, Types: pkg})
	prog := ssa.NewProgram(fset, ssa.InstantiateGenerics)
	prog.CreatePackage(pkg, files, info, true)
	buildTrimmed(prog, b)

	set := pkg.Scope().Lookup("Set").Type()
	inst, err := types.Instantiate(nil, set, []types.Type{types.NewInterfaceType(nil, nil)}, true)
	if err != nil {
		t.Fatal(err)
	}
	sel := prog.MethodSets.MethodSet(inst).Lookup(pkg, "HasRules")
	if sel == nil {
		t.Fatal("Set[any].HasRules not in the method set")
	}
	fn := prog.MethodValue(sel)
	if fn == nil || len(fn.Blocks) == 0 {
		t.Fatalf("Set[any].HasRules was not built after the trim: %v", fn)
	}
}
