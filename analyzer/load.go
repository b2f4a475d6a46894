package analyzer

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"

	"golang.org/x/tools/go/packages"
)

// loadMode is what the analysis needs from go/packages: types and syntax of
// every package, dependencies included (the syntax is needed for SSA and for
// the //go:linkname directives of the standard library).
const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedImports | packages.NeedDeps | packages.NeedTypes | packages.NeedSyntax |
	packages.NeedTypesInfo | packages.NeedTypesSizes | packages.NeedModule

// goarchOf returns the target architecture of cfg.
func goarchOf(cfg Config) string {
	if cfg.GOARCH != "" {
		return cfg.GOARCH
	}
	return runtime.GOARCH
}

// environ is the go command's environment for cfg: the process's, then
// cfg.Env, then the target.
func environ(cfg Config) []string {
	env := append(os.Environ(), cfg.Env...)
	return append(env, "GOOS=linux", "GOARCH="+goarchOf(cfg))
}

// load type-checks the packages matched by patterns and everything they
// import, for GOOS=linux and the target GOARCH.
func load(cfg Config, patterns []string) ([]*packages.Package, error) {
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	pc := &packages.Config{
		Mode:      loadMode,
		Dir:       cfg.Dir,
		Env:       environ(cfg),
		Overlay:   cfg.Overlay,
		ParseFile: parseFile,
	}
	if len(cfg.Tags) > 0 {
		pc.BuildFlags = []string{"-tags=" + strings.Join(cfg.Tags, ",")}
	}
	pkgs, err := packages.Load(pc, patterns...)
	if err != nil {
		return nil, fmt.Errorf("analyzer: loading %s for linux/%s: %w", strings.Join(patterns, " "), goarchOf(cfg), err)
	}
	var msgs []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			msgs = append(msgs, e.Error())
		}
	})
	if len(msgs) > 0 {
		if len(msgs) > 10 {
			msgs = append(msgs[:10], fmt.Sprintf("... and %d more", len(msgs)-10))
		}
		return nil, fmt.Errorf("analyzer: %s does not build for linux/%s (fix these errors, or pass the build tags the program needs):\n\t%s",
			strings.Join(patterns, " "), goarchOf(cfg), strings.Join(msgs, "\n\t"))
	}
	return pkgs, nil
}

// buildGCFactor is how much raiseGC raises the GC percent while packages
// load and the SSA is built. Loading allocates about half of what the
// analysis allocates and keeps about half of that: with the default
// GOGC=100 it ran a dozen collections, the last ones marking most of the
// growing heap, and the one running when the load ended counted the type
// checker's garbage as live, which set a high goal for the SSA build.
// With the percent raised, one collection before the load (see raiseGC),
// one when it ends (collectLoadGarbage), when the type checker's garbage
// is gone, and one when the SSA is built, when the syntax is: sandboxgen
// -arch amd64 on examples/webserver, 5 interleaved runs (medians,
// ranges): 4.97 s (4.72-5.39), 6.56 s of CPU, 762 MiB (742-776) -> 4.74 s
// (4.59-4.93), 6.29 s of CPU, 702 MiB (692-716) with the percent put
// back when the load ended. Keeping it raised through the SSA build
// (where, on both cores, the collection that ran took CPU from the
// build) saved the 249-package benchmark another 0.2 s of 5.6 s and
// 0.4 s of CPU, at the same peak (4 interleaved pairs: 5.25-5.47 s,
// 939-942 MiB against 5.52-5.86 s, 935-961 MiB). Eight times rather
// than four spares the load its last collection, of a 260 MB heap: the
// peak is still the heap the SSA build reaches (840 MB, against 630 MB
// when the load ends), and the benchmark took 4.88-5.08 s against
// 5.04-5.34 s, 7.7-8.2 s of CPU against 8.1-8.5 s, at 923-925 MiB
// against 921-924 MiB (4 pairs); the example server was unchanged
// (2.91-3.04 s, 702-706 MiB, 3 pairs).
const buildGCFactor = 8

// The GC percent raised while packages load and the SSA is built, shared
// by concurrent calls of Analyze: the first raises it, the last puts it
// back.
var (
	buildGCMu    sync.Mutex
	buildGCCalls int
	buildGCSaved int
)

// raiseGC collects once and raises the GC percent buildGCFactor times,
// unless the garbage collector is off, and returns the function that
// puts it back and collects once more (Analyze calls it once the SSA is
// built).
func raiseGC() (restore func()) {
	buildGCMu.Lock()
	defer buildGCMu.Unlock()
	if buildGCCalls == 0 {
		// The raised percent applies to the heap the last collection
		// found live: after an earlier analysis in the same process
		// (sandboxgen's second architecture), that would be its program,
		// garbage by now, and the goal four times that.
		runtime.GC()
		buildGCSaved = -1
		s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
		metrics.Read(s)
		if s[0].Value.Kind() == metrics.KindUint64 {
			if p := s[0].Value.Uint64(); p > 0 && p <= 1<<20 {
				buildGCSaved = debug.SetGCPercent(int(p) * buildGCFactor)
			}
		}
	}
	buildGCCalls++
	return sync.OnceFunc(func() {
		buildGCMu.Lock()
		defer buildGCMu.Unlock()
		buildGCCalls--
		if buildGCCalls == 0 && buildGCSaved > 0 {
			debug.SetGCPercent(buildGCSaved)
			runtime.GC()
		}
	})
}

// collectLoadGarbage collects once the packages are loaded, while the GC
// percent is raised: the type checker's garbage is most of the heap then,
// and the SSA build would otherwise grow the heap on top of it.
func collectLoadGarbage() {
	buildGCMu.Lock()
	raised := buildGCSaved > 0
	buildGCMu.Unlock()
	if raised {
		runtime.GC()
	}
}

// linknameDirective is how a //go:linkname comment starts; linkDirectives
// reads them from the syntax.
var linknameDirective = []byte("//go:linkname ")

// parseFile parses a file for go/packages with what the later phases read
// and no more. Object resolution (ast.Object, ast.Scope) is skipped: the
// type checker and SSA use types.Info, nothing reads the parser's objects.
// Comments are kept only in files with a //go:linkname directive, the only
// comments the analysis reads (see linkDirectives): each SSA function keeps
// its declaration's syntax, doc comment included, for the rest of the
// analysis. The //go:build line that sets a file's Go version and the
// //line directives of cgo's files are read by the parser and scanner in
// either mode.
func parseFile(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
	mode := parser.AllErrors | parser.SkipObjectResolution
	if bytes.Contains(src, linknameDirective) {
		mode |= parser.ParseComments
	}
	return parser.ParseFile(fset, filename, src, mode)
}

// toolchain returns GOVERSION and GOROOT of the go command that builds the
// program (the one on PATH, run in cfg.Dir with cfg's environment, so that
// GOTOOLCHAIN and go.mod toolchain lines are honoured).
func toolchain(cfg Config) (version, goroot string, err error) {
	cmd := exec.Command("go", "env", "GOVERSION", "GOROOT")
	cmd.Dir = cfg.Dir
	cmd.Env = environ(cfg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", "", fmt.Errorf("analyzer: go env GOVERSION GOROOT: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		return "", "", errors.New("analyzer: unexpected output from go env GOVERSION GOROOT: " + string(out))
	}
	return strings.TrimSpace(lines[0]), strings.TrimSpace(lines[1]), nil
}
