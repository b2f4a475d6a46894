package analyzer

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/sandboxgen/sandboxgen/internal/systable"
	"golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/callgraph/cha"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

// program is the first phase's result for one main package: what the
// later phases read and none of them changes. It is built once by
// buildProgram, before anything is known about what is reachable.
type program struct {
	goarch  string
	table   *systable.Table // the syscall table of goarch
	prog    *ssa.Program    // SSA of the main package's import closure
	mainPkg *ssa.Package
	// links maps a //go:linkname declaration to its implementation.
	links map[*ssa.Function]*ssa.Function
	// linked are the symbols ("path.name") //go:linkname directives name,
	// read with the directives before the syntax may be dropped.
	linked map[string]bool
	// asm holds the assembly bodies, see asmsource.go.
	asm map[string]*asmFunc
	// cha is the class hierarchy call graph: the start of VTA, and the
	// callees of a function another graph did not analyse.
	cha *callgraph.Graph
	// flow traces values of prog; see valueflow.go.
	flow *valueFlow
	// ssaTime and chaTime are how long building the SSA (with the
	// linkname and assembly indexes) and the CHA graph took.
	ssaTime, chaTime time.Duration
	// dir is Config.Dir and pkg the main package, for the file names of
	// positions; fileDirs maps a loaded package's directory to its import
	// path, built on first use. See fileName.
	dir      string
	pkg      *packages.Package
	fileDirs map[string]string

	// Caches of facts about the program's functions and types, filled on
	// first use by the later phases; none depends on what is reachable.
	takers map[*ssa.Function][]*ssa.Function // see valueTakers
	// order sorts sets of functions (see sortedFuncs) and memoizes
	// Function.String for orderings (see calleeName).
	order     funcOrder
	invokes   map[*ssa.Function][]ssa.CallInstruction // see invokeSites
	implCache map[implKey]bool                        // see implements
	slotIndex *slotStoreIndex                         // see slotStores
	// nilFieldIdx indexes the stores to nillable fields; see nilFields.
	nilFieldIdx *nilFieldIndex
	// procAttrIdx indexes the instructions that set fields of a
	// syscall.SysProcAttr; see procAttrIndex.
	procAttrIdx map[*ssa.Function][]procAttrEvent
	// indexesBuilt, when set, is closed once another goroutine has built
	// slotIndex, nilFieldIdx and procAttrIdx (see buildProgram and
	// awaitIndexes).
	indexesBuilt chan struct{}
	// liveCache and branchCache hold liveBlocks without a calling context
	// and branchParams, per function; see branch.go.
	liveCache   map[*ssa.Function]map[*ssa.BasicBlock]bool
	liveDep     map[*ssa.Function]bool // liveCache entries that used a reach's facts
	branchCache map[*ssa.Function]map[int]bool
	// procAttr are the fields of syscall.SysProcAttr reachable code can
	// set; see sysprocattr.go. It depends on the one reach of the program.
	procAttr *procAttrFacts
}

// buildProgram builds the SSA of main package p's import closure for
// goarch, reads its linkname declarations and assembly, checks that the
// toolchain still has the trap primitives the site search relies on, and
// builds the CHA call graph.
//
// With release, the syntax and type information of the packages is dropped
// once the SSA packages are created (see releaseSyntax): each SSA package
// keeps what it needs until it is built, so memory is given back package
// by package while the program is built, not at the end. ssaBuilt, when
// set, is called once the SSA is built (see raiseGC).
func buildProgram(goarch string, table *systable.Table, p *packages.Package, dir string, release bool, ssaBuilt func()) (*program, error) {
	start := time.Now()
	prog, ssaPkgs := ssautil.AllPackages([]*packages.Package{p}, ssa.InstantiateGenerics)
	dirs := linkDirectives([]*packages.Package{p})
	var built *builtSyntax
	if release {
		built = syntaxOf(p)
		releaseSyntax(p)
	}
	buildTrimmed(prog, built)
	if ssaBuilt != nil {
		ssaBuilt()
	}
	out := &program{
		goarch:  goarch,
		table:   table,
		prog:    prog,
		mainPkg: ssaPkgs[0],
		links:   resolveLinks(prog, dirs),
		linked:  linkedSymbols(dirs),
		asm:     readAsm([]*packages.Package{p}),
		flow:    newValueFlow(prog),
		dir:     dir,
		pkg:     p,
	}
	if err := out.checkPrimitives(); err != nil {
		return nil, err
	}
	out.ssaTime = time.Since(start)
	start = time.Now()
	// CHA's graph and the whole-program indexes do not depend on one
	// another. Another core builds CHA's graph and then the indexes of
	// stores, while this one lists the functions, indexes the package
	// variables and builds the takers index the first walk needs; the
	// indexes of stores are still being built while that walk, which does
	// not read them, runs (slotStores, nilFields and procAttrIndex wait
	// for them). On
	// the 249-package benchmark that takes the indexes' 0.35 s off the
	// critical path.
	chaBuilt := make(chan struct{})
	listed := make(chan struct{})
	out.indexesBuilt = make(chan struct{})
	go func() {
		defer close(out.indexesBuilt)
		out.cha = cha.CallGraph(prog)
		close(chaBuilt)
		<-listed
		out.slotIndex = out.indexSlotStores()
		out.nilFieldIdx = out.indexNilFields()
		out.procAttrIdx = out.indexProcAttr()
	}()
	// The index builders read these two lazily built tables: they are
	// built before the builders start, and only read after.
	out.values().functions()
	out.values().globalIndex()
	close(listed)
	out.valueTakers()
	<-chaBuilt
	out.chaTime = time.Since(start)
	return out, nil
}

// awaitIndexes waits for the indexes of stores buildProgram builds in the
// background, if it does.
func (p *program) awaitIndexes() {
	if p.indexesBuilt != nil {
		<-p.indexesBuilt
	}
}

// builtSyntax is what buildTrimmed drops from the syntax and type
// information the SSA keeps after it is built.
type builtSyntax struct {
	// bodies are the function declarations whose bodies go, by package.
	bodies map[*types.Package][]*ast.FuncDecl
	// infos are the type information of the packages with generic
	// declarations, and generic those declarations, sorted by position.
	infos   []*types.Info
	generic [][]ast.Node
}

// syntaxOf sorts the function declarations of p's import closure for
// buildTrimmed. It holds on to nothing the SSA does not keep itself: the
// declarations (Function.Syntax) and the type information of the
// packages with generic declarations.
func syntaxOf(p *packages.Package) *builtSyntax {
	out := &builtSyntax{bodies: map[*types.Package][]*ast.FuncDecl{}}
	packages.Visit([]*packages.Package{p}, nil, func(q *packages.Package) {
		var generic []ast.Node
		for _, f := range q.Syntax {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				switch {
				case !ok || fd.Body == nil:
				case fd.Type.TypeParams != nil || genericReceiver(fd.Recv):
					generic = append(generic, fd)
				case !hasGoStmt(fd.Body):
					out.bodies[q.Types] = append(out.bodies[q.Types], fd)
				}
			}
		}
		if len(generic) > 0 && q.TypesInfo != nil {
			out.infos = append(out.infos, q.TypesInfo)
			out.generic = append(out.generic, generic)
		}
	})
	return out
}

// buildTrimmed builds the SSA of every package of prog, as Program.Build
// does (each package in its own goroutine, GOMAXPROCS at a time), and
// drops the syntax and type information the SSA keeps but nothing reads
// any more (b, from syntaxOf; nothing is dropped when b is nil). Each SSA
// function keeps its declaration (Function.Syntax) to the end of the
// analysis, body included, and a generic one also its package's
// types.Info, whose maps are keyed by every expression and identifier of
// the package: together about a fifth of the heap the later phases work
// in.
//
// A package's plain bodies go as soon as it is built: only its own build
// reads them. Kept are what SSA may still build from: instances of generic
// functions and of the methods of generic types are built on demand, by
// the build of any package or later (e.g. when the call graph asks for a
// method set), from the generic declaration and the type information of
// what is inside it, which is all that is left of a types.Info once every
// package is built. Also kept are the bodies that hold a go statement,
// which goStmtEnd reads, and those of function literals, which stay with
// the SSA functions built from them.
func buildTrimmed(prog *ssa.Program, b *builtSyntax) {
	if b == nil {
		prog.Build()
		return
	}
	var wg sync.WaitGroup
	limit := make(chan struct{}, runtime.GOMAXPROCS(0))
	for _, pkg := range prog.AllPackages() {
		limit <- struct{}{}
		wg.Go(func() {
			defer func() { <-limit }()
			pkg.Build()
			for _, fd := range b.bodies[pkg.Pkg] {
				fd.Body = nil
			}
		})
	}
	wg.Wait()
	// Each package's facts are its own: they are trimmed on all cores
	// (70 ms on one for the 249-package benchmark).
	for i, info := range b.infos {
		limit <- struct{}{}
		wg.Go(func() {
			defer func() { <-limit }()
			trimInfo(info, b.generic[i])
		})
	}
	wg.Wait()
}

// trimInfo keeps in info only the facts about the nodes inside the
// declarations decls, which do not overlap.
// The maps are copied, not deleted from: a Go map does not shrink.
// Scopes goes: SSA does not read it.
func trimInfo(info *types.Info, decls []ast.Node) {
	// The files of a package are parsed concurrently, so the file set may
	// have given them ranges in another order than the package lists them.
	decls = slices.Clone(decls)
	sort.Slice(decls, func(i, j int) bool { return decls[i].Pos() < decls[j].Pos() })
	inside := func(n ast.Node) bool {
		pos := n.Pos()
		i := sort.Search(len(decls), func(i int) bool { return decls[i].End() > pos })
		return i < len(decls) && decls[i].Pos() <= pos
	}
	info.Types = keepInside(info.Types, inside)
	info.Defs = keepInside(info.Defs, inside)
	info.Uses = keepInside(info.Uses, inside)
	info.Implicits = keepInside(info.Implicits, inside)
	info.Instances = keepInside(info.Instances, inside)
	info.Selections = keepInside(info.Selections, inside)
	info.Scopes = nil
}

// keepInside returns a copy of m with the entries whose node is inside.
func keepInside[K interface {
	comparable
	ast.Node
}, V any](m map[K]V, inside func(ast.Node) bool) map[K]V {
	if m == nil {
		return nil
	}
	out := map[K]V{}
	for k, v := range m {
		if inside(k) {
			out[k] = v
		}
	}
	return out
}

// genericReceiver reports whether recv, a method's receiver, has type
// parameters (func (l *List[T]) ...).
func genericReceiver(recv *ast.FieldList) bool {
	if recv == nil || len(recv.List) == 0 {
		return false
	}
	t := recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.ParenExpr:
			t = x.X
		case *ast.IndexExpr, *ast.IndexListExpr:
			return true
		default:
			return false
		}
	}
}

// hasGoStmt reports whether body holds a go statement.
func hasGoStmt(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if _, ok := n.(*ast.GoStmt); ok {
			found = true
		}
		return !found
	})
	return found
}

// pos formats a position as file:line:column, the file named by fileName.
func (p *program) pos(at token.Pos) string {
	if p == nil || p.prog == nil || !at.IsValid() {
		return "-"
	}
	position := p.prog.Fset.Position(at)
	return fmt.Sprintf("%s:%d:%d", p.fileName(position.Filename), position.Line, position.Column)
}

// fileName names a source file the same way in every report: relative to
// Config.Dir (the directory patterns are relative to) when it is inside
// it, otherwise as its package's import path and its base name
// ("net/http/server.go", "github.com/x/y/z.go").
func (p *program) fileName(name string) string {
	if base, err := filepath.Abs(p.dir); err == nil {
		if rel, err := filepath.Rel(base, name); err == nil && filepath.IsLocal(rel) {
			return filepath.ToSlash(rel)
		}
	}
	if p.fileDirs == nil {
		p.fileDirs = map[string]string{}
		if p.pkg != nil {
			packages.Visit([]*packages.Package{p.pkg}, nil, func(q *packages.Package) {
				for _, f := range q.CompiledGoFiles {
					p.fileDirs[filepath.Dir(f)] = q.PkgPath
				}
			})
		}
	}
	if pkg, ok := p.fileDirs[filepath.Dir(name)]; ok {
		return pkg + "/" + filepath.Base(name)
	}
	return shortFile(name)
}

// values returns the tracer of the program's values.
func (p *program) values() *valueFlow {
	return p.flow
}
