package analyzer

import (
	"strings"
	"sync"
	"testing"

	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// analyses caches Analyze results by key, so that tests sharing a
// configuration load the standard library once.
var analyses sync.Map // string -> *analysisResult

type analysisResult struct {
	once sync.Once
	rep  *Report
	err  error
}

// analyzeCached runs Analyze(cfg, patterns...) once per distinct key.
func analyzeCached(t *testing.T, key string, cfg Config, patterns ...string) *Report {
	t.Helper()
	v, _ := analyses.LoadOrStore(key, &analysisResult{})
	res := v.(*analysisResult)
	res.once.Do(func() { res.rep, res.err = Analyze(cfg, patterns...) })
	if res.err != nil {
		t.Fatalf("Analyze(%s): %v", strings.Join(patterns, " "), res.err)
	}
	return res.rep
}

// programNamed returns the program whose import path ends in /name.
func programNamed(t *testing.T, rep *Report, name string) *Program {
	t.Helper()
	for _, p := range rep.Programs {
		if strings.HasSuffix(p.PkgPath, "/"+name) {
			return p
		}
	}
	t.Fatalf("no program %s in the report", name)
	return nil
}

// TestResolve checks that every way testdata/resolve feeds a syscall number
// to a trap is resolved to the right syscall at the right place, and that
// the three numbers that cannot be known are reported, not dropped.
func TestResolve(t *testing.T) {
	rep := analyzeCached(t, "resolve/amd64", Config{GOARCH: "amd64", NoRuntime: true}, "./testdata/resolve")
	prog := programNamed(t, rep, "resolve")
	cases := []struct {
		syscall string
		how     string
		at      string // the function at the end of the call path
	}{
		{"sync", "phi, first edge", "resolve.viaPhi"},
		{"syncfs", "phi, second edge", "resolve.viaPhi"},
		{"sethostname", "two-level wrapper around unix.Syscall", "resolve.main"},
		{"setdomainname", "two-level wrapper, second caller", "resolve.main"},
		{"acct", "package variable initialiser", "resolve.main"},
		{"chroot", "package variable assigned in init", "resolve.main"},
		{"swapon", "captured variable", "resolve.main$1"},
		{"swapoff", "captured variable reassigned", "resolve.main$1"},
		{"pivot_root", "method called through an interface", "resolve.main"},
		{"umount2", "generic wrapper with a named integer type", "resolve.main"},
		{"mount", "sum of constants", "resolve.main"},
		{"reboot", "go:linkname declaration", "resolve.main"},
		{"gettimeofday", "assembly with a SYSCALL instruction", "syscall.gettimeofday"},
	}
	for _, c := range cases {
		n, ok := prog.Need(c.syscall)
		if !ok {
			t.Errorf("%s (%s) not found; program needs %v", c.syscall, c.how, prog.Names())
			continue
		}
		if n.Origin != OriginProgram {
			t.Errorf("%s: origin %q, want %q", c.syscall, n.Origin, OriginProgram)
		}
		if len(n.Path) == 0 || !strings.Contains(n.Path[len(n.Path)-1], c.at+" (") {
			t.Errorf("%s (%s): path %q does not end in %s", c.syscall, c.how, n.Path, c.at)
		}
		if len(n.Path) > 0 && !strings.HasPrefix(n.Path[0], "github.com/sandboxgen/sandboxgen/analyzer/testdata/resolve.") {
			t.Errorf("%s: path %q does not start at a root of the program", c.syscall, n.Path)
		}
		if nr, _ := mustTable(t, "amd64").Number(c.syscall); nr != n.Nr {
			t.Errorf("%s: Nr %d, want %d", c.syscall, n.Nr, nr)
		}
	}
	wantUnresolved := []string{
		"is read from escaping, and its address is used by keep(escaping)",
		"is a result of calling strconv.Atoi",
		"is read from a struct field (github.com/sandboxgen/sandboxgen/analyzer/testdata/resolve.request.nr)",
	}
	if len(prog.Unresolved) != len(wantUnresolved) {
		t.Errorf("got %d unresolved sites, want %d: %+v", len(prog.Unresolved), len(wantUnresolved), prog.Unresolved)
	}
	for _, want := range wantUnresolved {
		found := false
		for _, u := range prog.Unresolved {
			if strings.Contains(u.Reason, want) && strings.HasPrefix(u.Pos, "testdata/resolve/main.go:") && len(u.Path) > 0 {
				found = true
			}
		}
		if !found {
			t.Errorf("no unresolved site with reason %q (with position and path); got %+v", want, prog.Unresolved)
		}
	}
	for _, n := range prog.Syscalls {
		if strings.HasPrefix(n.Origin, OriginRuntimePrefix) {
			t.Errorf("NoRuntime, yet %s has origin %s", n.Name, n.Origin)
		}
	}
}

// TestCrossArch analyses for arm64 on any host: the numbers must be arm64's
// and the arm64-only spelling of syscalls must appear.
func TestCrossArch(t *testing.T) {
	rep := analyzeCached(t, "resolve/arm64", Config{GOARCH: "arm64", NoRuntime: true}, "./testdata/resolve")
	prog := programNamed(t, rep, "resolve")
	if prog.GOARCH != "arm64" {
		t.Fatalf("GOARCH %q", prog.GOARCH)
	}
	table := mustTable(t, "arm64")
	for _, n := range prog.Syscalls {
		if nr, ok := table.Number(n.Name); !ok || nr != n.Nr {
			t.Errorf("%s: Nr %d, arm64 table says %d (%v)", n.Name, n.Nr, nr, ok)
		}
	}
	// 160+5 is mount on amd64 but getrusage on arm64.
	for _, name := range []string{"sync", "getrusage", "reboot", "pivot_root"} {
		if _, ok := prog.Need(name); !ok {
			t.Errorf("arm64: %s missing from %v", name, prog.Names())
		}
	}
	for _, name := range []string{"mount", "open"} {
		if _, ok := prog.Need(name); ok {
			t.Errorf("arm64 program needs %s, which only the amd64 analysis should find", name)
		}
	}
}

func mustTable(t *testing.T, goarch string) *systable.Table {
	t.Helper()
	tab, err := systable.Lookup(goarch)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// TestAnalyzeErrors checks that bad input gets an error naming the problem
// and the fix.
func TestAnalyzeErrors(t *testing.T) {
	cases := []struct {
		name     string
		cfg      Config
		patterns []string
		want     []string
	}{
		{"unknown arch", Config{GOARCH: "vax"}, []string{"./testdata/resolve"}, []string{`GOARCH="vax"`, "supported:", "amd64"}},
		{"unknown call graph", Config{CallGraph: "andersen"}, []string{"./testdata/resolve"}, []string{`"andersen"`, "vta", "cha", "rta"}},
		{"no main package", Config{}, []string{"./testdata/resolve/inner"}, []string{"no main package", "pass the directory of a main package"}},
		{"does not build", Config{}, []string{"./testdata/broken"}, []string{"does not build for linux/", "broken/main.go:5", "fix these errors"}},
		{"no such package", Config{}, []string{"./testdata/nonexistent"}, []string{"nonexistent"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Analyze(c.cfg, c.patterns...)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestPolicy checks the policy a program's needs translate to.
func TestPolicy(t *testing.T) {
	cases := []struct {
		goarch string
		needs  []Need
		want   map[string]string
	}{
		{"amd64", []Need{{Name: "read"}, {Name: "clone3"}, {Name: "write"}}, map[string]string{"read": "allow", "clone3": "errno(38)", "write": "allow"}},
		{"mips64le", []Need{{Name: "clone3"}}, map[string]string{"clone3": "errno(89)"}},
		{"arm64", []Need{{Name: "rseq", Errno: 1}, {Name: "futex"}}, map[string]string{"rseq": "errno(1)", "futex": "allow"}},
		{"amd64", nil, map[string]string{}},
	}
	for _, c := range cases {
		p := &Program{GOARCH: c.goarch, Syscalls: c.needs}
		pol := p.Policy(gen.KillProcess)
		if pol.Arch != c.goarch || pol.Default != gen.KillProcess || pol.BadArch != gen.KillProcess {
			t.Errorf("%s: policy header %+v", c.goarch, pol)
		}
		if len(pol.Syscalls) != len(c.want) {
			t.Errorf("%s: %d syscalls in policy, want %d", c.goarch, len(pol.Syscalls), len(c.want))
		}
		for name, act := range c.want {
			rules := pol.Syscalls[name]
			if len(rules) != 1 || len(rules[0].Args) != 0 || rules[0].Action.String() != act {
				t.Errorf("%s: %s -> %+v, want one unconditional %s", c.goarch, name, rules, act)
			}
		}
	}
}

// TestCallGraphs compares the algorithms on testdata/resolve: CHA may only
// add to what VTA finds, and every algorithm finds every resolvable site.
func TestCallGraphs(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the program three times")
	}
	vtaProg := programNamed(t, analyzeCached(t, "resolve/amd64", Config{GOARCH: "amd64", NoRuntime: true}, "./testdata/resolve"), "resolve")
	for _, cg := range []string{CallGraphCHA, CallGraphRTA} {
		p := programNamed(t, analyzeCached(t, "resolve/amd64/"+cg, Config{GOARCH: "amd64", NoRuntime: true, CallGraph: cg}, "./testdata/resolve"), "resolve")
		for _, n := range vtaProg.Syscalls {
			if _, ok := p.Need(n.Name); !ok && cg == CallGraphCHA {
				t.Errorf("%s misses %s, which VTA finds", cg, n.Name)
			}
		}
		for _, name := range []string{"sync", "syncfs", "reboot", "pivot_root", "swapoff", "umount2"} {
			if _, ok := p.Need(name); !ok {
				t.Errorf("%s misses %s", cg, name)
			}
		}
		if len(p.Unresolved) != len(vtaProg.Unresolved) {
			t.Errorf("%s: %d unresolved, VTA %d", cg, len(p.Unresolved), len(vtaProg.Unresolved))
		}
		t.Logf("%s: %d program syscalls; vta: %d", cg, len(p.Syscalls), len(vtaProg.Syscalls))
	}
}

// TestCrossArchRuntime checks the runtime baseline merged for another
// architecture: numbers from that architecture's table, runtime origins,
// and the program's own needs kept with their paths.
func TestCrossArchRuntime(t *testing.T) {
	rep := analyzeCached(t, "resolve/arm64/runtime", Config{GOARCH: "arm64"}, "./testdata/resolve")
	prog := programNamed(t, rep, "resolve")
	table := mustTable(t, "arm64")
	runtimeNeeds := 0
	for _, n := range prog.Syscalls {
		if nr, ok := table.Number(n.Name); !ok || nr != n.Nr {
			t.Errorf("%s (%s): Nr %d, arm64 table says %d (%v)", n.Name, n.Origin, n.Nr, nr, ok)
		}
		if strings.HasPrefix(n.Origin, OriginRuntimePrefix) {
			runtimeNeeds++
			if len(n.Path) != 0 {
				t.Errorf("runtime need %s has a call path %v", n.Name, n.Path)
			}
		}
	}
	if runtimeNeeds < 15 {
		t.Errorf("only %d runtime needs merged", runtimeNeeds)
	}
	for _, name := range []string{"futex", "mmap", "rt_sigreturn", "epoll_pwait"} {
		if _, ok := prog.Need(name); !ok {
			t.Errorf("runtime syscall %s missing on arm64", name)
		}
	}
	if n, ok := prog.Need("reboot"); !ok || n.Origin != OriginProgram || len(n.Path) == 0 {
		t.Errorf("program need reboot lost in the merge: %+v", n)
	}
	if prog.GoVersion == "" || prog.GoRoot == "" {
		t.Errorf("toolchain not recorded: %q %q", prog.GoVersion, prog.GoRoot)
	}
}

// TestEveryArch analyses testdata/resolve for every architecture with a
// syscall table: no site may stay unresolved, every number must be the
// architecture's, and the runtime baseline must be merged.
func TestEveryArch(t *testing.T) {
	if testing.Short() {
		t.Skip("one analysis per architecture")
	}
	for _, arch := range systable.Arches() {
		t.Run(arch, func(t *testing.T) {
			t.Parallel()
			rep, err := Analyze(Config{GOARCH: arch}, "./testdata/resolve")
			if err != nil {
				t.Fatal(err)
			}
			prog := rep.Programs[0]
			table := mustTable(t, arch)
			for _, n := range prog.Syscalls {
				if nr, ok := table.Number(n.Name); !ok || nr != n.Nr {
					t.Errorf("%s (%s): Nr %d, table says %d (%v)", n.Name, n.Origin, n.Nr, nr, ok)
				}
			}
			if len(prog.Unresolved) != 3 {
				t.Errorf("%d unresolved sites, want the fixture's 3: %+v", len(prog.Unresolved), prog.Unresolved)
			}
			for _, name := range []string{"reboot", "sync", "futex", "exit_group"} {
				if _, ok := prog.Need(name); !ok {
					t.Errorf("%s missing: %v", name, prog.Names())
				}
			}
		})
	}
}

// TestTags checks that build tags reach the loader: a file behind a tag
// adds a syscall only when the tag is given.
func TestTags(t *testing.T) {
	cases := []struct {
		tags []string
		want bool
	}{
		{nil, false},
		{[]string{"extra"}, true},
	}
	for _, c := range cases {
		rep, err := Analyze(Config{GOARCH: "amd64", NoRuntime: true, Tags: c.tags}, "./testdata/tagged")
		if err != nil {
			t.Fatal(err)
		}
		n, got := rep.Programs[0].Need("sync")
		if got != c.want {
			t.Errorf("tags %v: sync needed = %v, want %v", c.tags, got, c.want)
		}
		if got && !strings.Contains(strings.Join(n.Path, " "), "syscall.Sync") {
			t.Errorf("tags %v: path %v", c.tags, n.Path)
		}
	}
}
