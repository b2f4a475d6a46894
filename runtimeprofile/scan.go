package runtimeprofile

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// rawSite is a syscall number use found in the source, before triggers and
// groups are attached.
type rawSite struct {
	fn    string // node key of the function that issues it
	nr    uint32
	macro string // the name the source spells, e.g. "SYS_setittimer"
	pos   string // file:line relative to GOROOT/src
}

// scan is the whole-program index of runtime and its dependencies, filled
// by load: a call graph by name, which functions can be called from places
// the graph does not see, and where syscall numbers are used. The walk of
// one declaration (funcwalk.go) carries its own scope; nothing here is
// about the declaration being walked.
type scan struct {
	srcRoot string // GOROOT/src
	fset    *token.FileSet

	callers  map[string]map[string]bool // callee -> callers
	escapes  map[string]string          // node -> why it can be called from outside the graph
	goDecl   map[string]bool            // nodes declared in Go (with or without body)
	asmText  map[string]bool            // nodes with an assembly TEXT body
	methods  map[string][]string        // method name -> node keys
	funcs    map[string]map[string]bool // package path -> package-level function names
	consts   map[string]map[string]int64
	wrappers map[string][]wrapperUse // linux wrapper node -> syscall constants it passes
	sites    []rawSite
	dynamic  []Site // Syscall6 calls whose number is not a constant

	vdso       []vdsoKey
	bodyIdents map[string]bool // identifiers named in runtime function bodies
	asmRefs    map[string]bool // symbols referenced from assembly
}

type wrapperUse struct {
	nr    uint32
	macro string
}

const linuxPkg = "internal/runtime/syscall/linux"

// closureSuffix marks a site inside a closure of a function.
const closureSuffix = ".func"

func newScan(goroot string) *scan {
	return &scan{
		srcRoot:    filepath.Join(goroot, "src"),
		fset:       token.NewFileSet(),
		callers:    map[string]map[string]bool{},
		escapes:    map[string]string{},
		goDecl:     map[string]bool{},
		asmText:    map[string]bool{},
		methods:    map[string][]string{},
		funcs:      map[string]map[string]bool{},
		consts:     map[string]map[string]int64{},
		wrappers:   map[string][]wrapperUse{},
		bodyIdents: map[string]bool{},
		asmRefs:    map[string]bool{},
	}
}

func (s *scan) rel(path string) string {
	if r, err := filepath.Rel(s.srcRoot, path); err == nil {
		return filepath.ToSlash(r)
	}
	return path
}

func (s *scan) edge(caller, callee string) {
	m := s.callers[callee]
	if m == nil {
		m = map[string]bool{}
		s.callers[callee] = m
	}
	m[caller] = true
}

func (s *scan) escape(node, why string) {
	if _, ok := s.escapes[node]; !ok {
		s.escapes[node] = why
	}
}

// parsedFile is one Go file with the names its imports are known by.
type parsedFile struct {
	pkg     string
	f       *ast.File
	imports map[string]string // local name -> import path
}

// load parses every Go and assembly file of pkgs and fills the graph.
func (s *scan) load(pkgs []sourcePackage) error {
	var files []parsedFile
	for _, p := range pkgs {
		s.funcs[p.ImportPath] = map[string]bool{}
		s.consts[p.ImportPath] = map[string]int64{}
		for _, name := range p.GoFiles {
			path := filepath.Join(p.Dir, name)
			f, err := parser.ParseFile(s.fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				return fmt.Errorf("runtimeprofile: parsing %s: %v", path, err)
			}
			pf := parsedFile{pkg: p.ImportPath, f: f, imports: map[string]string{}}
			for _, imp := range f.Imports {
				ip, _ := strconv.Unquote(imp.Path.Value)
				local := ip[strings.LastIndex(ip, "/")+1:]
				if imp.Name != nil {
					local = imp.Name.Name
				}
				pf.imports[local] = ip
			}
			files = append(files, pf)
			s.declare(pf)
		}
	}
	for _, pf := range files {
		s.evalConsts(pf)
	}
	for _, pf := range files {
		s.findWrappers(pf)
	}
	for _, pf := range files {
		s.walkFile(pf)
		s.findVDSO(pf)
	}
	for _, p := range pkgs {
		for _, name := range p.SFiles {
			if err := s.scanAsm(p.ImportPath, filepath.Join(p.Dir, name)); err != nil {
				return err
			}
		}
	}
	s.markCompilerBuiltins()
	// Assembly entry points (TEXT symbols Go does not declare and nothing
	// references, such as _rt0_amd64_linux) are called by the kernel, the
	// linker or C code.
	for n := range s.asmText {
		if !s.goDecl[n] && len(s.callers[n]) == 0 {
			s.escape(n, "assembly entry point")
		}
	}
	return nil
}

// unwrapName strips the parentheses and type arguments around the name of
// a callee or a receiver type, and the pointer of a receiver type when
// pointers is set.
func unwrapName(e ast.Expr, pointers bool) ast.Expr {
	for {
		switch x := e.(type) {
		case *ast.ParenExpr:
			e = x.X
		case *ast.StarExpr:
			if !pointers {
				return e
			}
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		default:
			return e
		}
	}
}

// funcKey is the node key of a function declaration: pkg.name, or
// pkg.Recv.name for a method.
func funcKey(pkg string, d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return pkg + "." + d.Name.Name
	}
	t := unwrapName(d.Recv.List[0].Type, true)
	recv := "?"
	if id, ok := t.(*ast.Ident); ok {
		recv = id.Name
	}
	return pkg + "." + recv + "." + d.Name.Name
}

// declare records the file's functions and its //go:linkname directives.
func (s *scan) declare(pf parsedFile) {
	internalRuntime := strings.HasPrefix(pf.pkg, "internal/runtime/")
	for _, d := range pf.f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		key := funcKey(pf.pkg, fd)
		s.goDecl[key] = true
		if fd.Recv != nil {
			s.methods[fd.Name.Name] = append(s.methods[fd.Name.Name], key)
		} else {
			s.funcs[pf.pkg][fd.Name.Name] = true
		}
		// Exported names can be called from packages outside the graph
		// (the program, std). internal/runtime/... packages are imported
		// only by the runtime and its dependencies, with two exceptions
		// (go1.26): internal/cgrouptest, a test helper, and syscall, which
		// calls internal/runtime/syscall/linux's Syscall6 with its own
		// numbers at call sites the program analysis sees.
		if fd.Name.IsExported() && !internalRuntime {
			s.escape(key, "exported")
		}
		if fd.Name.Name == "init" && fd.Recv == nil {
			s.escape(key, "package initializer")
		}
	}
	for _, cg := range pf.f.Comments {
		for _, c := range cg.List {
			rest, ok := strings.CutPrefix(c.Text, "//go:linkname ")
			if !ok {
				continue
			}
			fields := strings.Fields(rest)
			if len(fields) == 0 {
				continue
			}
			s.escape(pf.pkg+"."+fields[0], "//go:linkname")
			if len(fields) > 1 {
				s.escape(fields[1], "//go:linkname target")
			}
		}
	}
}

// toolchainCallers are the directories of GOROOT/src whose Go code names
// runtime functions the compiler and linker call without any Go source
// calling them (write barriers, deferproc, morestack, bounds panics): the
// compiler's builtin declarations, its SSA back end and walk phase, the
// object-file builtin list, the assemblers' stack-split prologues and the
// linker.
var toolchainCallers = []string{
	"cmd/compile/internal/typecheck/_builtin",
	"cmd/compile/internal/typecheck",
	"cmd/compile/internal/ssagen",
	"cmd/compile/internal/walk",
	"cmd/internal/goobj",
	"cmd/internal/obj",
	"cmd/internal/obj/x86",
	"cmd/internal/obj/arm64",
	"cmd/internal/obj/arm",
	"cmd/internal/obj/ppc64",
	"cmd/internal/obj/riscv",
	"cmd/internal/obj/s390x",
	"cmd/internal/obj/loong64",
	"cmd/internal/obj/mips",
	"cmd/link/internal/ld",
}

// markCompilerBuiltins makes the runtime functions the toolchain calls by
// name escape: every identifier the toolchainCallers declare as a function
// or spell in a string literal ("deferproc", "runtime.morestack") that is a
// runtime function. Over-matching only keeps more syscalls. When the
// GOROOT has no compiler source, every runtime function escapes and
// nothing is proved start-up only.
func (s *scan) markCompilerBuiltins() {
	names := map[string]bool{}
	found := false
	for _, dir := range toolchainCallers {
		files, _ := filepath.Glob(filepath.Join(s.srcRoot, filepath.FromSlash(dir), "*.go"))
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			src, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			found = true
			var sc scanner.Scanner
			fset := token.NewFileSet()
			sc.Init(fset.AddFile(path, -1, len(src)), src, nil, 0)
			prevFunc := false
			for {
				_, tok, lit := sc.Scan()
				if tok == token.EOF {
					break
				}
				switch {
				case tok == token.STRING:
					if v, err := strconv.Unquote(lit); err == nil {
						names[strings.TrimPrefix(v, "runtime.")] = true
					}
				case tok == token.IDENT && prevFunc:
					names[lit] = true
				}
				prevFunc = tok == token.FUNC
			}
		}
	}
	if !found {
		s.escape("runtime.*", "the GOROOT has no compiler source to tell which runtime functions the compiler calls")
		return
	}
	for name := range names {
		if s.funcs["runtime"][name] || s.asmText["runtime."+name] {
			s.escape("runtime."+name, "called by compiler- or linker-generated code")
		}
	}
}
