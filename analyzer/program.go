package analyzer

import (
	"fmt"
	"go/token"
	"path/filepath"
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
	takers    map[*ssa.Function][]*ssa.Function       // see valueTakers
	invokes   map[*ssa.Function][]ssa.CallInstruction // see invokeSites
	implCache map[implKey]bool                        // see implements
	slotIndex *slotStoreIndex                         // see slotStores
	// liveCache and branchCache hold liveBlocks without a calling context
	// and branchParams, per function; see branch.go.
	liveCache   map[*ssa.Function]map[*ssa.BasicBlock]bool
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
// by package while the program is built, not at the end.
func buildProgram(goarch string, table *systable.Table, p *packages.Package, dir string, release bool) (*program, error) {
	start := time.Now()
	prog, ssaPkgs := ssautil.AllPackages([]*packages.Package{p}, ssa.InstantiateGenerics)
	dirs := linkDirectives([]*packages.Package{p})
	if release {
		releaseSyntax(p)
	}
	prog.Build()
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
	out.cha = cha.CallGraph(prog)
	out.chaTime = time.Since(start)
	return out, nil
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
