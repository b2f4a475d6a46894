package runtimeprofile

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// rawSite is a syscall number use found in the source, before triggers and
// groups are attached.
type rawSite struct {
	fn    string // node key of the function that issues it
	nr    uint32
	macro string // the name the source spells, e.g. "SYS_setittimer"
	pos   string // file:line relative to GOROOT/src
}

// scan is the state of reading runtime and its dependencies: a call graph
// by name, which functions can be called from places the graph does not
// see, and where syscall numbers are used.
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

	localConsts map[string]int64 // constants declared in the function being walked
	curFunc     string           // node key of the function being walked

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
func (s *scan) load(pkgs []listedPackage) error {
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

func funcKey(pkg string, d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return pkg + "." + d.Name.Name
	}
	t := d.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
			continue
		case *ast.IndexExpr:
			t = x.X
			continue
		case *ast.IndexListExpr:
			t = x.X
			continue
		}
		break
	}
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

// evalConsts records package-level integer constants (the SYS_* numbers).
func (s *scan) evalConsts(pf parsedFile) {
	for _, d := range pf.f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if i < len(vs.Values) {
					if v, ok := s.constValue(pf, vs.Values[i]); ok {
						s.consts[pf.pkg][n.Name] = v
					}
				}
			}
		}
	}
}

func (s *scan) constValue(pf parsedFile, e ast.Expr) (int64, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.INT {
			return 0, false
		}
		v, err := strconv.ParseInt(strings.ReplaceAll(x.Value, "_", ""), 0, 64)
		return v, err == nil
	case *ast.ParenExpr:
		return s.constValue(pf, x.X)
	case *ast.UnaryExpr:
		v, ok := s.constValue(pf, x.X)
		if ok && x.Op == token.SUB {
			return -v, true
		}
		return v, ok && x.Op == token.ADD
	case *ast.BinaryExpr:
		a, ok1 := s.constValue(pf, x.X)
		b, ok2 := s.constValue(pf, x.Y)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch x.Op {
		case token.ADD:
			return a + b, true
		case token.SUB:
			return a - b, true
		case token.OR:
			return a | b, true
		case token.SHL:
			return a << uint(b), true
		}
	case *ast.Ident:
		if v, ok := s.localConsts[x.Name]; ok {
			return v, true
		}
		v, ok := s.consts[pf.pkg][x.Name]
		return v, ok
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			if ip, ok := pf.imports[id.Name]; ok {
				v, ok := s.consts[ip][x.Sel.Name]
				return v, ok
			}
		}
	case *ast.CallExpr: // conversions such as uintptr(SYS_X)
		if len(x.Args) == 1 {
			return s.constValue(pf, x.Args[0])
		}
	}
	return 0, false
}

// funcConsts returns the integer constants declared inside fd, such as
// riscv64's "const sys_RISCV_HWPROBE uintptr = 258".
func (s *scan) funcConsts(pf parsedFile, fd *ast.FuncDecl) map[string]int64 {
	var out map[string]int64
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		gd, ok := n.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			return true
		}
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			for i, id := range vs.Names {
				if i < len(vs.Values) {
					if v, ok := s.constValue(pf, vs.Values[i]); ok {
						if out == nil {
							out = map[string]int64{}
						}
						out[id.Name] = v
					}
				}
			}
		}
		return true
	})
	return out
}

// isSyscall6 reports whether call is linux.Syscall6 (or Syscall6 inside the
// linux package itself).
func isSyscall6(pf parsedFile, call *ast.CallExpr) bool {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return pf.pkg == linuxPkg && f.Name == "Syscall6"
	case *ast.SelectorExpr:
		id, ok := f.X.(*ast.Ident)
		return ok && pf.imports[id.Name] == linuxPkg && f.Sel.Name == "Syscall6"
	}
	return false
}

// findWrappers records, for each function of the linux package, which
// constant syscall numbers it passes to Syscall6. Calls to these wrappers
// elsewhere become sites attributed to the caller, so that each site is
// judged by who issues it (the cgroup reader, the poller), not by the
// shared wrapper.
func (s *scan) findWrappers(pf parsedFile) {
	if pf.pkg != linuxPkg {
		return
	}
	for _, d := range pf.f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil || fd.Recv != nil {
			continue
		}
		key := funcKey(pf.pkg, fd)
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if ok && isSyscall6(pf, call) && len(call.Args) > 0 {
				if v, ok := s.constValue(pf, call.Args[0]); ok {
					w := wrapperUse{uint32(v), exprString(call.Args[0])}
					if !slices.Contains(s.wrappers[key], w) {
						s.wrappers[key] = append(s.wrappers[key], w)
					}
				}
			}
			return true
		})
	}
}

func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	case *ast.CallExpr:
		if len(x.Args) == 1 {
			return exprString(x.Args[0])
		}
	}
	return "?"
}

// walkFile adds the call edges, escapes and syscall sites of one file.
func (s *scan) walkFile(pf parsedFile) {
	for _, d := range pf.f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Body != nil {
				key := funcKey(pf.pkg, d)
				s.localConsts = s.funcConsts(pf, d)
				s.curFunc = key
				s.walk(pf, d.Body, key, key, localNames(d))
				s.localConsts = nil
			}
		case *ast.GenDecl:
			// Functions named in package-level variables (tables of
			// handlers, hooks) can be called from anywhere.
			if d.Tok == token.VAR {
				s.curFunc = pf.pkg + ".<var>"
				s.walk(pf, d, "", "package-level variable "+pf.pkg, nil)
			}
		}
	}
}

// walk visits n, whose calls are made by owner ("" when the caller is
// unknown, which makes every callee escape with the reason why).
func (s *scan) walk(pf parsedFile, n ast.Node, owner, why string, locals map[string]bool) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			// A closure can run later and elsewhere (stored, deferred to
			// another thread): its calls have an unknown caller.
			s.walk(pf, x.Body, "", "closure in "+why, locals)
			return false
		case *ast.GoStmt:
			s.call(pf, x.Call, "", "goroutine started in "+why, locals)
			return false
		case *ast.CallExpr:
			s.call(pf, x, owner, why, locals)
			return false
		case *ast.Ident:
			if !locals[x.Name] && s.funcs[pf.pkg][x.Name] {
				s.escape(pf.pkg+"."+x.Name, "function value in "+why)
			}
		case *ast.SelectorExpr:
			s.valueSelector(pf, x, why, locals)
			s.walk(pf, x.X, owner, why, locals)
			return false
		}
		return true
	})
}

// valueSelector handles pkg.F or x.m used as a value, not called.
func (s *scan) valueSelector(pf parsedFile, x *ast.SelectorExpr, why string, locals map[string]bool) {
	if id, ok := x.X.(*ast.Ident); ok && !locals[id.Name] {
		if ip, ok := pf.imports[id.Name]; ok {
			if s.funcs[ip][x.Sel.Name] {
				s.escape(ip+"."+x.Sel.Name, "function value in "+why)
			}
			return
		}
	}
	for _, m := range s.methods[x.Sel.Name] {
		s.escape(m, "method value in "+why)
	}
}

func (s *scan) call(pf parsedFile, call *ast.CallExpr, owner, why string, locals map[string]bool) {
	fun := call.Fun
	for {
		switch x := fun.(type) {
		case *ast.ParenExpr:
			fun = x.X
			continue
		case *ast.IndexExpr:
			fun = x.X
			continue
		case *ast.IndexListExpr:
			fun = x.X
			continue
		}
		break
	}
	var callees []string
	switch f := fun.(type) {
	case *ast.Ident:
		if !locals[f.Name] && s.funcs[pf.pkg][f.Name] {
			callees = []string{pf.pkg + "." + f.Name}
		}
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok && !locals[id.Name] && pf.imports[id.Name] != "" {
			if ip := pf.imports[id.Name]; s.funcs[ip][f.Sel.Name] {
				callees = []string{ip + "." + f.Sel.Name}
			}
		} else {
			// A method call by name: every method so named (interface
			// calls included).
			callees = s.methods[f.Sel.Name]
			s.walk(pf, f.X, owner, why, locals)
		}
	default:
		s.walk(pf, fun, owner, why, locals)
	}
	for _, c := range callees {
		if owner == "" {
			s.escape(c, why)
		} else {
			s.edge(owner, c)
		}
	}
	pos := s.fset.Position(call.Pos())
	where := fmt.Sprintf("%s:%d", s.rel(pos.Filename), pos.Line)
	site := owner
	if site == "" {
		// A closure (or a goroutine) of the function being walked: its
		// own node, which nothing proves start-up only; triggerOf looks
		// the enclosing function up.
		site = s.curFunc + closureSuffix
	}
	if isSyscall6(pf, call) && pf.pkg != linuxPkg && len(call.Args) > 0 {
		if v, ok := s.constValue(pf, call.Args[0]); ok {
			s.sites = append(s.sites, rawSite{fn: site, nr: uint32(v), macro: exprString(call.Args[0]), pos: where})
		} else {
			s.dynamic = append(s.dynamic, Site{Func: site, Pos: where, Trigger: TriggerLinkname})
		}
	}
	for _, c := range callees {
		if pf.pkg == linuxPkg {
			break
		}
		for _, w := range s.wrappers[c] {
			s.sites = append(s.sites, rawSite{fn: site, nr: w.nr, macro: w.macro, pos: where})
		}
	}
	// systemstack(func() {...}) runs the closure synchronously on the
	// caller's behalf; attribute its calls to the caller.
	for _, a := range call.Args {
		if lit, ok := a.(*ast.FuncLit); ok && len(callees) == 1 && strings.HasSuffix(callees[0], ".systemstack") {
			s.walk(pf, lit.Body, owner, why, locals)
			continue
		}
		s.walk(pf, a, owner, why, locals)
	}
}

// localNames returns the names a function declares (receiver, parameters,
// results, variables, closures' parameters). Scopes are not tracked: a name
// declared anywhere in the function hides the package-level function of
// that name everywhere in it, which can only lose an edge into a function
// that the body both shadows and calls, a pattern the runtime avoids.
func localNames(fd *ast.FuncDecl) map[string]bool {
	locals := map[string]bool{}
	addFields := func(fl *ast.FieldList) {
		if fl == nil {
			return
		}
		for _, f := range fl.List {
			for _, n := range f.Names {
				locals[n.Name] = true
			}
		}
	}
	addFields(fd.Recv)
	addFields(fd.Type.Params)
	addFields(fd.Type.Results)
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncType:
			addFields(x.Params)
			addFields(x.Results)
		case *ast.AssignStmt:
			if x.Tok == token.DEFINE {
				for _, l := range x.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						locals[id.Name] = true
					}
				}
			}
		case *ast.RangeStmt:
			if x.Tok == token.DEFINE {
				for _, e := range []ast.Expr{x.Key, x.Value} {
					if id, ok := e.(*ast.Ident); ok {
						locals[id.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range x.Names {
				locals[id.Name] = true
			}
		}
		return true
	})
	return locals
}

var (
	asmDefine = regexp.MustCompile(`^#define\s+(SYS_\w+)\s+(.+)$`)
	asmText   = regexp.MustCompile(`^TEXT\s+([^(\s]*)\(SB\)`)
	asmSysRef = regexp.MustCompile(`\$(SYS_\w+)\b`)
	// A symbol reference: pkg·name anywhere (also as a macro argument,
	// as in reflectcall's DISPATCH(runtime·call16, 16)), or a C-style
	// name(SB). A leading $ takes the address instead of calling.
	asmSymRef = regexp.MustCompile(`(\$?)([\p{L}\p{N}_∕./]*·[\p{L}\p{N}_]+|[\p{L}\p{N}_.]+(?:<[^>]*>)?\(SB\))`)
)

// asmSymbol turns an assembly symbol ("runtime·exit", "·getpid",
// "time·now<ABIInternal>", "internal∕runtime∕atomic·Load") into a node key.
func asmSymbol(pkg, sym string) string {
	static := strings.HasSuffix(sym, "<>")
	if i := strings.IndexByte(sym, '<'); i >= 0 {
		sym = sym[:i]
	}
	sym = strings.ReplaceAll(sym, "∕", "/")
	p, name, ok := strings.Cut(sym, "·")
	if !ok {
		if static {
			return pkg + "." + sym // a file-local helper such as 386's exit1<>
		}
		return sym // a C-style symbol such as _rt0_amd64_linux
	}
	if p == "" {
		p = pkg
	}
	return p + "." + name
}

// scanAsm reads one assembly file: its SYS_* #defines, which TEXT symbol
// uses each, and which symbols each TEXT body references (calls, jumps,
// addresses), as call edges.
func (s *scan) scanAsm(pkg, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("runtimeprofile: %v", err)
	}
	defer f.Close()
	defines := map[string]uint32{}
	cur := ""
	line := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if i := strings.Index(text, "//"); i >= 0 {
			text = strings.TrimSpace(text[:i])
		}
		if m := asmDefine.FindStringSubmatch(text); m != nil {
			if v, ok := evalDefine(m[2], defines); ok {
				defines[m[1]] = v
			}
			continue
		}
		if m := asmText.FindStringSubmatch(text); m != nil {
			cur = asmSymbol(pkg, m[1])
			s.asmText[cur] = true
			continue
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		for _, m := range asmSysRef.FindAllStringSubmatch(text, -1) {
			nr, ok := defines[m[1]]
			if !ok {
				continue // a #define from a header; none name syscalls today
			}
			fn := cur
			if fn == "" {
				fn = pkg + ".<data>"
			}
			s.sites = append(s.sites, rawSite{fn: fn, nr: nr, macro: m[1], pos: fmt.Sprintf("%s:%d", s.rel(path), line)})
		}
		for _, m := range asmSymRef.FindAllStringSubmatch(text, -1) {
			sym := strings.TrimSuffix(m[2], "(SB)")
			callee := asmSymbol(pkg, sym)
			s.asmRefs[callee] = true
			switch {
			case strings.HasPrefix(text, "DATA") || strings.HasPrefix(text, "GLOBL") || cur == "":
				s.escape(callee, "referenced from assembly data")
			case m[1] == "$":
				s.escape(callee, "address taken in assembly "+cur)
			case callee != cur && isIdentStart(callee):
				s.edge(cur, callee)
			}
		}
	}
	return sc.Err()
}

// evalDefine evaluates a #define body made of numbers, earlier SYS_*
// defines and +, as in arm's "(SYS_BASE + 1)" or mips' "4000 + 1".
func evalDefine(body string, defines map[string]uint32) (uint32, bool) {
	body = strings.NewReplacer("(", " ", ")", " ").Replace(body)
	var sum uint64
	for _, term := range strings.Split(body, "+") {
		term = strings.TrimSpace(term)
		if v, ok := defines[term]; ok {
			sum += uint64(v)
			continue
		}
		v, err := strconv.ParseUint(term, 0, 32)
		if err != nil {
			return 0, false
		}
		sum += v
	}
	return uint32(sum), true
}

func isIdentStart(s string) bool {
	for _, r := range s {
		return unicode.IsLetter(r) || r == '_'
	}
	return false
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
