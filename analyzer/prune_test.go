package analyzer

import (
	"slices"
	"strings"
	"testing"
)

// TestPruneReasons checks that pruning falls back to nothing, with the
// reason, whenever the Lock call is not one plain call directly in
// main.main that runs once; and that a syscall main makes before Lock is
// then still allowed.
func TestPruneReasons(t *testing.T) {
	cases := []struct {
		name   string
		reason string
	}{
		{"loop", "called in a loop"},
		{"twice", "calls selfsandbox's Lock functions 2 times"},
		{"funcvalue", "used as a function value"},
		{"golock", "started with go or defer"},
		{"callsmain", "main.main is called by"},
		{"nolock", "does not import"},
		// Lock from a helper prunes only when main.main's one plain call
		// of the helper is the only way into it.
		{"helpertwice", "is not called exactly once"},
		{"helpervalue", "used as a function value"},
	}
	var pats []string
	for _, c := range cases {
		pats = append(pats, "./testdata/prunereasons/"+c.name)
	}
	rep := analyzeCached(t, "prunereasons", Config{NoRuntime: true}, pats...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prog := programNamed(t, rep, c.name)
			if prog.Pruning.Applied || !strings.Contains(prog.Pruning.Reason, c.reason) {
				t.Errorf("Pruning = %+v, want not applied with a reason containing %q", prog.Pruning, c.reason)
			}
			if len(prog.Pruned) > 0 {
				t.Errorf("pruned %v although pruning does not apply", prog.Pruned)
			}
			if _, ok := prog.Need("getpgid"); !ok {
				t.Errorf("getpgid (made before Lock) is not allowed: %v", prog.Names())
			}
		})
	}
}

// TestNoPrune checks Config.NoPrune: the fixture's pre-Lock syscalls come
// back, with their pre-Lock call paths, and nothing is pruned.
func TestNoPrune(t *testing.T) {
	rep := analyzeCached(t, "prunelisten/noprune", Config{NoPrune: true, NoRuntime: true}, "./testdata/prunelisten")
	prog := programNamed(t, rep, "prunelisten")
	if prog.Pruning.Applied || !strings.Contains(prog.Pruning.Reason, "NoPrune") || len(prog.Pruned) > 0 {
		t.Fatalf("NoPrune: Pruning = %+v, Pruned = %v", prog.Pruning, prog.Pruned)
	}
	for _, name := range []string{"listen", "connect", "chdir", "umask"} {
		n, ok := prog.Need(name)
		if !ok {
			t.Errorf("NoPrune: %s is not allowed: %v", name, prog.Names())
			continue
		}
		if len(n.Path) == 0 || !strings.Contains(n.Path[0], "prunelisten.main ") {
			t.Errorf("NoPrune: %s path does not start in main: %v", name, n.Path)
		}
	}
}

// TestOutliving checks the go statements before Lock whose goroutines need
// more than the code after Lock: getppid, which only such a goroutine makes
// in prunegoroutine and prunejoined, is in Syscalls (the fallback) but not
// in Narrow, and the go statement is listed with its lines. The fixture
// runs in TestFixtures check that Lock picks the right filter (the fixtures
// panic otherwise); selfsandbox's TestFallback checks that the narrow
// filter denies what only the fallback allows.
func TestOutliving(t *testing.T) {
	rep := fixtureReport(t)
	for _, name := range []string{"prunegoroutine", "prunejoined"} {
		prog := programNamed(t, rep, name)
		if _, ok := prog.Need("getppid"); !ok {
			t.Errorf("%s: getppid is not in Syscalls: %v", name, prog.Names())
		}
		if slices.ContainsFunc(prog.Narrow(), func(n Need) bool { return n.Name == "getppid" }) {
			t.Errorf("%s: getppid is in Narrow", name)
		}
		var found bool
		for _, g := range prog.Outliving {
			for _, n := range g.Needs {
				if n.Name == "getppid" {
					found = true
					if g.File != "main.go" || g.Line <= 0 || g.EndLine < g.Line || !strings.HasSuffix(g.Func, name+".main") {
						t.Errorf("%s: go statement recorded as %+v", name, g)
					}
					if len(n.Path) == 0 || !strings.Contains(n.Path[0], "started as a goroutine before Lock") {
						t.Errorf("%s: getppid path does not start at the goroutine: %v", name, n.Path)
					}
				}
			}
		}
		if !found {
			t.Errorf("%s: no Outliving go statement needs getppid: %+v", name, prog.Outliving)
		}
	}

}

// TestBranchPruning checks that pruning follows only the branches that can
// run: in prunebranch, getpriority and umask sit behind conditions that
// fold to false, and getpgid behind a helper's branch that its argument
// after Lock rules out (it runs before Lock, so it is pruned); getppid, on
// the live branch, stays. TestFixtures runs the program locked and under
// strace.
func TestBranchPruning(t *testing.T) {
	prog := programNamed(t, fixtureReport(t), "prunebranch")
	for _, name := range []string{"getpriority", "umask", "getpgid"} {
		if n, ok := prog.Need(name); ok {
			t.Errorf("%s is allowed, through %v", name, n.Path)
		}
	}
	if _, ok := prog.Need("getppid"); !ok {
		t.Errorf("getppid is not allowed: %v", prog.Names())
	}
	for _, n := range prog.Pruned {
		if n.Name == "getpriority" || n.Name == "umask" {
			t.Errorf("%s is listed as pruned (reached before Lock), but no code reaches it: %v", n.Name, n.Path)
		}
	}
}
