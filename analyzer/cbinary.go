package analyzer

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/sandboxgen/sandboxgen/internal/atomicfile"
	"github.com/sandboxgen/sandboxgen/internal/elfsyscalls"
	"golang.org/x/tools/go/packages"
)

// CLibrary is a shared library whose code the analysis of a program's C
// code read: the file the loader would load on the machine that ran the
// analysis. Another machine may load another file under the same name.
type CLibrary struct {
	Soname  string // as the program's DT_NEEDED (or a library's) names it
	Path    string // the file analysed
	BuildID string // its GNU build ID in hex, or "sha256:<hex>" of its content
}

// cPackages returns the packages outside the standard library in p's
// import closure that have C code of their own (a cgo preamble): the
// standard library's (runtime/cgo, net, os/user) is accounted for by the
// runtime profile's cgo group and libcFuncs.
func cPackages(p *packages.Package) []string {
	var out []string
	packages.Visit([]*packages.Package{p}, nil, func(q *packages.Package) {
		if q.Module == nil {
			return // the standard library
		}
		// q.Syntax holds the files cgo rewrote, without import "C":
		// read the imports of the original files.
		fset := token.NewFileSet()
		for _, name := range q.GoFiles {
			f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
			if err == nil && importsC(f) {
				out = append(out, q.PkgPath)
				return
			}
		}
	})
	return out
}

// importsC reports whether a file uses cgo.
func importsC(f *ast.File) bool {
	for _, imp := range f.Imports {
		if imp.Path.Value == `"C"` {
			return true
		}
	}
	return false
}

// cgoWrapperName matches the C function cgo generates to call a C
// function from Go (_cgo_<hash>_Cfunc_<name>).
var cgoWrapperName = regexp.MustCompile(`^_cgo_[0-9a-f]+_C2?func_(.+)$`)

// cName returns the name a C function of the program is shown by: the
// called C function for a cgo wrapper, into which cgo's C compiler
// usually inlines it.
func cName(s string) string {
	if m := cgoWrapperName.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return s
}

// cRun is the C analysis of one main package, which runs while the Go
// analysis goes on: wait returns its result once.
type cRun struct {
	cpkgs []string
	done  chan struct{}
	res   *elfsyscalls.Result
	took  time.Duration
	err   error
}

// startC starts, in the background and one after the other, the C
// analysis of each main package whose non-standard packages have C code,
// when it applies (amd64 host and target, Config.NoC unset). The go build
// with cgo it needs takes seconds; run beside the Go analysis, its cost
// mostly hides on a machine with a spare core.
func (a *analysis) startC(mains []*packages.Package) map[*packages.Package]*cRun {
	runs := map[*packages.Package]*cRun{}
	if a.cfg.NoC {
		return runs
	}
	var order []*packages.Package
	for _, p := range mains {
		if cp := cPackages(p); len(cp) > 0 {
			runs[p] = &cRun{cpkgs: cp, done: make(chan struct{})}
			order = append(order, p)
		}
	}
	if a.goarch != "amd64" || runtime.GOARCH != "amd64" {
		return runs // addCNeeds warns
	}
	go func() {
		for _, p := range order {
			r := runs[p]
			start := time.Now()
			r.res, r.err = a.analyseC(packageDir(p), p.PkgPath)
			r.took = time.Since(start)
			close(r.done)
		}
	}()
	return runs
}

// analyseC builds the main package in dir with cgo, as the user's build
// would be (the same tags and environment), into a temporary directory,
// and analyses the binary's C code with internal/elfsyscalls.
//
// The result is cached under the build inputs of the program's C code
// (cResultKey): a program whose C code and libraries have not changed
// since it was last analysed skips the build and the analysis.
func (a *analysis) analyseC(dir, pkgPath string) (*elfsyscalls.Result, error) {
	key, keyErr := a.cResultKey(dir)
	if keyErr == nil {
		if res, ok := elfsyscalls.LoadResult(key, elfsyscalls.Options{}); ok {
			return res, nil
		}
	}
	tmp, err := os.MkdirTemp("", "sandboxgen-c-")
	if err != nil {
		return nil, fmt.Errorf("analyzer: %w", err)
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "prog")
	args := []string{"build", "-o", bin}
	if len(a.cfg.Tags) > 0 {
		args = append(args, "-tags="+strings.Join(a.cfg.Tags, ","))
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = dir
	cmd.Env = append(environ(a.cfg), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("analyzer: building %s with cgo to analyse its C code: %v\n%s", pkgPath, err, out)
	}
	skip, err := a.runtimeCgoFuncs(tmp)
	if err != nil {
		return nil, err
	}
	res, err := elfsyscalls.Analyze(bin, elfsyscalls.Options{SkipFuncs: skip})
	if err != nil {
		return nil, fmt.Errorf("analyzer: the C code of %s: %w", pkgPath, err)
	}
	if keyErr == nil {
		// A cache that cannot be written costs time, not correctness.
		_ = elfsyscalls.StoreResult(key, res, elfsyscalls.Options{})
	}
	return res, nil
}

// cResultKey identifies the inputs of the C analysis of the main package
// in dir other than the shared libraries (which elfsyscalls.LoadResult
// checks itself): the packages with C code it links, each by its compiled
// archive in the go build cache (`go list -export`, whose file name is
// the hash of the archive's content: the C objects cgo compiled, the
// #cgo flags and the Go version of runtime/cgo), and the environment that
// shapes the link. Asking the go command for it is cheap when the build
// cache is warm (about 0.2 s) and as precise as go build's own cache.
func (a *analysis) cResultKey(dir string) (string, error) {
	args := []string{"list", "-deps", "-export", "-f", "{{if .CgoFiles}}{{.ImportPath}} {{.Export}}{{end}}"}
	if len(a.cfg.Tags) > 0 {
		args = append(args, "-tags="+strings.Join(a.cfg.Tags, ","))
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = dir
	cmd.Env = append(environ(a.cfg), "CGO_ENABLED=1")
	out, err := cmd.Output()
	if err != nil {
		return "", err
	}
	if !strings.Contains(string(out), "runtime/cgo ") {
		return "", fmt.Errorf("go list: no runtime/cgo archive in %q", out)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "c-result\x00%s\x00%s\x00", a.goarch, strings.Join(a.cfg.Tags, ","))
	for _, kv := range cmd.Env {
		// The link's settings: GOFLAGS (-ldflags, -linkmode), the C
		// toolchain and its flags.
		name, _, _ := strings.Cut(kv, "=")
		if name == "GOFLAGS" || name == "CC" || name == "CXX" || name == "GOAMD64" || strings.HasPrefix(name, "CGO_") {
			fmt.Fprintf(&b, "%s\x00", kv)
		}
	}
	b.Write(out)
	return b.String(), nil
}

// addCNeeds adds to prog what the C code in it can reach, as run found
// it: each syscall with the origin OriginCPrefix and the chain from the C
// function as its Path, the libraries analysed, and warnings for what the
// binary analysis could not see.
func (a *analysis) addCNeeds(prog *Program, run *cRun) error {
	cpkgs := run.cpkgs
	if a.goarch != "amd64" || runtime.GOARCH != "amd64" {
		prog.Warnings = append(prog.Warnings, fmt.Sprintf("c: the C code of %s is not analysed for linux/%s (only amd64 builds on an amd64 host are): syscalls only that C code makes must be allowed by hand", strings.Join(cpkgs, ", "), a.goarch))
		return nil
	}
	waitStart := time.Now()
	<-run.done
	waited := time.Since(waitStart)
	if run.err != nil {
		return run.err
	}
	res := run.res
	for _, l := range res.Libraries {
		prog.CLibraries = append(prog.CLibraries, CLibrary{Soname: l.Soname, Path: l.Path, BuildID: l.BuildID})
	}
	have := map[string]bool{}
	for _, n := range prog.Syscalls {
		have[n.Name] = true
	}
	cNames := map[string]bool{}
	for _, cn := range res.Needs {
		name, ok := a.table.Name(cn.Nr)
		if !ok {
			continue
		}
		cNames[name] = true
		if have[name] {
			continue
		}
		have[name] = true
		prog.Syscalls = append(prog.Syscalls, Need{Name: name, Nr: cn.Nr, Origin: cOrigin(cn.Chain), Path: cPath(cn.Chain, name)})
	}
	sortNeeds(prog.Syscalls)
	prog.Pruned = slices.DeleteFunc(prog.Pruned, func(n Need) bool { return have[n.Name] })
	// The C code may run after Lock whatever goroutines were started
	// before it: what it needs stays in the narrow filter too.
	for i := range prog.Outliving {
		g := &prog.Outliving[i]
		g.Needs = slices.DeleteFunc(g.Needs, func(n Need) bool { return cNames[n.Name] })
	}
	prog.Outliving = slices.DeleteFunc(prog.Outliving, func(g Goroutine) bool { return len(g.Needs) == 0 })
	// Only what the analysis could not see is worth a warning; the cgo
	// warning of featureWarnings gives way to what was analysed.
	prog.Warnings = replaceCgoWarning(prog.Warnings, fmt.Sprintf("cgo: the C code of %s was analysed in its cgo build (%d libraries: %s); the libraries loaded at run time must be the ones analysed",
		strings.Join(cpkgs, ", "), len(res.Libraries), libraryList(res.Libraries)))
	for _, u := range res.Unresolved {
		where := u.Library
		if where == "" {
			where = "the program"
		}
		prog.Warnings = append(prog.Warnings, fmt.Sprintf("c: a syscall whose number is not a constant, in %s (%s): every syscall of %s is allowed", cChain(u.Chain), where, where))
	}
	for _, f := range res.Dlopen {
		prog.CDlopen = append(prog.CDlopen, cName(f))
		prog.Warnings = append(prog.Warnings, fmt.Sprintf("c: %s calls dlopen: the libraries it loads at run time are not analysed; allow what they need with -allow, or learn it from a trace", cName(f)))
	}
	for _, s := range res.Missing {
		prog.Warnings = append(prog.Warnings, fmt.Sprintf("c: the C code imports %s, which no library defines (a weak reference): not analysed", s))
	}
	prog.Timings.C = run.took
	prog.Timings.Total += waited
	return nil
}

// stdCgoWarning replaces featureWarnings' cgo warning for a program that
// links C code only through the standard library (no package of its own
// has a cgo preamble, cPackages): that C code is not unknown, the runtime
// profile's cgo group and libcFuncs cover it, and telling the user to
// allow what "C libraries" need sends them looking for code they do not
// have. What stays unseen is named: the NSS modules glibc may load.
const stdCgoWarning = "cgo: the program links C code only through the standard library (runtime/cgo; net's resolver and os/user's lookups where reached): the runtime's cgo group and what glibc does in those lookups are added; NSS modules glibc loads for them (nsswitch.conf) are not analysed"

// stdOnlyCgo rewrites cgoFeatureWarning in ws, if it is there, as
// stdCgoWarning, and leaves every other warning as it is.
func stdOnlyCgo(ws []string) []string {
	if i := slices.Index(ws, cgoFeatureWarning); i >= 0 {
		ws[i] = stdCgoWarning
	}
	return ws
}

// replaceCgoWarning replaces the generic cgo warning (cgoFeatureWarning)
// by w, or adds w when there is none. Only that one: the warnings of the
// cross build and of the cgo coverage say other things and stay.
func replaceCgoWarning(ws []string, w string) []string {
	if i := slices.Index(ws, cgoFeatureWarning); i >= 0 {
		ws[i] = w
		return ws
	}
	return append(ws, w)
}

// libraryList names libraries with their paths.
func libraryList(ls []elfsyscalls.Library) string {
	var parts []string
	for _, l := range ls {
		parts = append(parts, l.Path)
	}
	return strings.Join(parts, ", ")
}

// cOrigin is the origin of a C need: the program's C function and the
// library function it calls, e.g. "c:sqlite3VdbeExec → realloc (libc.so.6)".
func cOrigin(chain []string) string {
	if len(chain) == 1 {
		return OriginCPrefix + cName(chain[0])
	}
	return OriginCPrefix + cName(chain[0]) + " → " + chain[1]
}

// cChain joins a chain for a message.
func cChain(chain []string) string {
	c := append([]string{cName(chain[0])}, chain[1:]...)
	return strings.Join(c, " → ")
}

// cPath is the Path of a C need: the chain, the program's C function
// first, then the syscall.
func cPath(chain []string, name string) []string {
	out := []string{"C: " + cName(chain[0])}
	out = append(out, chain[1:]...)
	return append(out, "syscall "+name)
}

// runtimeCgoFuncs returns the C functions of a program whose only C code
// is runtime/cgo's (and the C start-up files'), built with the same
// toolchain and environment: their syscalls are the runtime profile's cgo
// group. The list is cached per Go version in the user cache directory.
func (a *analysis) runtimeCgoFuncs(tmp string) (map[string]bool, error) {
	key := ""
	env := exec.Command("go", "env", "GOVERSION", "CC")
	env.Dir, env.Env = a.cfg.Dir, append(environ(a.cfg), "CGO_ENABLED=1")
	if v, err := env.Output(); err == nil {
		key = strings.Join(strings.Fields(string(v)), "-")
	}
	var cacheFile string
	if ucd, err := os.UserCacheDir(); err == nil && key != "" {
		cacheFile = filepath.Join(ucd, "sandboxgen", "elfsyscalls", "runtime-cgo-"+regexp.MustCompile(`[^A-Za-z0-9._-]`).ReplaceAllString(key, "_")+"-"+a.goarch+".txt")
		if b, err := os.ReadFile(cacheFile); err == nil && len(b) > 0 {
			return setOf(strings.Fields(string(b))), nil
		}
	}
	src := filepath.Join(tmp, "cgoruntime")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return nil, fmt.Errorf("analyzer: %w", err)
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\n\nimport \"C\"\n\nfunc main() {}\n"), 0o644); err != nil {
		return nil, fmt.Errorf("analyzer: %w", err)
	}
	bin := filepath.Join(tmp, "cgoruntime.bin")
	cmd := exec.Command("go", "build", "-o", bin, "main.go")
	cmd.Dir = src
	cmd.Env = append(environ(a.cfg), "CGO_ENABLED=1", "GOFLAGS=", "GO111MODULE=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("analyzer: building a program with only runtime/cgo's C code: %v\n%s", err, out)
	}
	names, err := elfsyscalls.ProgramCFuncs(bin)
	if err != nil {
		return nil, fmt.Errorf("analyzer: %w", err)
	}
	if cacheFile != "" {
		_ = atomicfile.Write(cacheFile, []byte(strings.Join(names, "\n")+"\n"))
	}
	return setOf(names), nil
}

// setOf returns the set of names.
func setOf(names []string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}
