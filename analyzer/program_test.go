package analyzer

import (
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// resolveProgram builds the program of testdata/resolve for amd64 once:
// the first phase, without Analyze.
var resolveProgram = sync.OnceValues(func() (*program, error) {
	return buildFixture("./testdata/resolve")
})

// buildFixture runs the first phase, without Analyze, on the main package
// at pattern, for amd64.
func buildFixture(pattern string) (*program, error) {
	cfg := Config{GOARCH: "amd64"}
	pkgs, err := load(cfg, []string{pattern})
	if err != nil {
		return nil, err
	}
	table, err := systable.Lookup(cfg.GOARCH)
	if err != nil {
		return nil, err
	}
	return buildProgram(cfg.GOARCH, table, pkgs[0], "", false, nil)
}

func mustResolveProgram(t *testing.T) *program {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the SSA of a program")
	}
	p, err := resolveProgram()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBuildProgram checks the first phase: the main package, the linkname
// edge of resolve's linkedTrap, the assembly of syscall's gettimeofday and
// the CHA graph.
func TestBuildProgram(t *testing.T) {
	p := mustResolveProgram(t)
	if got := p.mainPkg.Pkg.Path(); !strings.HasSuffix(got, "/testdata/resolve") {
		t.Errorf("main package %s", got)
	}
	decl := p.mainPkg.Func("linkedTrap")
	if impl := p.links[decl]; decl == nil || impl == nil || impl.String() != "github.com/sandboxgen/sandboxgen/analyzer/testdata/resolve/inner.Trap" {
		t.Errorf("linkname of linkedTrap: %v", impl)
	}
	gtod := p.prog.ImportedPackage("syscall").Func("gettimeofday")
	if af := p.asmOf(gtod); af == nil || af.traps == 0 {
		t.Errorf("no assembly with a syscall for syscall.gettimeofday: %+v", af)
	}
	if p.cha == nil || p.cha.Nodes[p.mainPkg.Func("main")] == nil {
		t.Error("the CHA graph has no node for main.main")
	}
}

// TestFindSites runs the site search on the program of testdata/resolve
// and a CHA reach of it: the numbers each call site supplies, the wrapper
// the search finds, and the sites it cannot resolve.
func TestFindSites(t *testing.T) {
	p := mustResolveProgram(t)
	r, err := p.buildReach(CallGraphCHA)
	if err != nil {
		t.Fatal(err)
	}
	res := p.findSites(r)
	callerOf := map[uint64][]string{}
	for _, n := range res.needs {
		callerOf[n.nr] = append(callerOf[n.nr], n.caller.Name())
	}
	for _, c := range []struct {
		nr     uint64
		caller string
	}{
		{unix.SYS_SYNC, "viaPhi"},
		{unix.SYS_SYNCFS, "viaPhi"},
		{unix.SYS_SETHOSTNAME, "main"},
		{unix.SYS_ACCT, "main"},
		{unix.SYS_SWAPOFF, "main$1"},
		{unix.SYS_GETTIMEOFDAY, "gettimeofday"},
	} {
		if !strings.Contains(strings.Join(callerOf[c.nr], " "), c.caller) {
			t.Errorf("syscall %d: supplied by %v, want %s among them", c.nr, callerOf[c.nr], c.caller)
		}
	}
	highWrap := p.mainPkg.Func("highWrap")
	if !res.wrappers[wrapper{highWrap, 0}] {
		t.Error("highWrap's parameter 0 is not a wrapper of a syscall number")
	}
	var reasons []string
	for _, u := range res.unresolved {
		if u.caller.Pkg == p.mainPkg {
			reasons = append(reasons, u.reason)
		}
	}
	for _, want := range []string{"is read from escaping", "strconv.Atoi", "request.nr"} {
		if !strings.Contains(strings.Join(reasons, "\n"), want) {
			t.Errorf("no unresolved site in main with %q: %q", want, reasons)
		}
	}
	if len(reasons) != 3 {
		t.Errorf("%d unresolved sites in main, want 3: %q", len(reasons), reasons)
	}
}
