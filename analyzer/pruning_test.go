package analyzer

import (
	"strings"
	"testing"
)

// TestPrunePhase runs the prune and assemble phases on the program of
// testdata/prunegoroutine without Analyze: getpgid (syscall.Getpgrp),
// made by main before Lock only, is pruned; getppid, made by a goroutine main starts before
// Lock, is needed only by that goroutine (Outliving); with noPrune
// nothing is left out.
func TestPrunePhase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the SSA of a program")
	}
	p, err := buildFixture("./testdata/prunegoroutine")
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.buildReach(CallGraphVTA)
	if err != nil {
		t.Fatal(err)
	}
	sites := p.findSites(r)

	pr := p.prune(r, false)
	if !pr.summary.Applied || !strings.HasSuffix(pr.summary.LockAt, "prunegoroutine/main.go:26:28") {
		t.Fatalf("pruning %+v, want applied at the Lock call of main.go", pr.summary)
	}
	live, reached := pr.funcFilters()
	mainFn := p.mainPkg.Func("main")
	getpgrp := p.prog.ImportedPackage("syscall").Func("Getpgrp")
	if live == nil || live(getpgrp) || !reached(getpgrp) {
		t.Errorf("syscall.Getpgrp: live %v, reached before Lock %v; want only before", live != nil && live(getpgrp), reached != nil && reached(getpgrp))
	}
	if exit := p.prog.ImportedPackage("os").Func("Exit"); !live(exit) {
		t.Error("os.Exit, called after Lock, is not live")
	}
	var fates []fate
	for _, sn := range sites.needs {
		if name, _ := p.table.Name(uint32(sn.nr)); name == "getpgid" {
			fates = append(fates, pr.fateOf(sn.caller, sn.site))
		}
	}
	if len(fates) == 0 {
		t.Fatal("no getpgid site")
	}
	for _, f := range fates {
		if f != pruned {
			t.Errorf("getpgid site: fate %d, want pruned", f)
		}
	}
	prog := p.assemble(p.pkg, r, pr, sites, false)
	if _, ok := prog.Need("getpgid"); ok {
		t.Error("getpgid is allowed after Lock")
	}
	if !hasNeed(prog.Pruned, "getpgid") {
		t.Errorf("getpgid not among the pruned: %v", prog.Pruned)
	}
	if len(prog.Outliving) != 1 || !hasNeed(prog.Outliving[0].Needs, "getppid") || prog.Outliving[0].Func != mainFn.RelString(nil) {
		t.Errorf("outliving goroutines %+v, want main's one needing getppid", prog.Outliving)
	}

	whole := p.prune(r, true)
	if whole.summary.Applied || whole.summary.Reason != "Config.NoPrune is set" {
		t.Errorf("noPrune: %+v", whole.summary)
	}
	if live, reached := whole.funcFilters(); live != nil || reached != nil {
		t.Error("noPrune: function filters set")
	}
	for _, sn := range sites.needs {
		if f := whole.fateOf(sn.caller, sn.site); f != kept {
			t.Fatalf("noPrune: a site of %d is %d, want kept", sn.nr, f)
		}
	}
	progWhole := p.assemble(p.pkg, r, whole, sites, false)
	if _, ok := progWhole.Need("getpgid"); !ok || len(progWhole.Pruned) != 0 || len(progWhole.Outliving) != 0 {
		t.Errorf("noPrune: getpgid allowed %v, pruned %v, outliving %v", ok, progWhole.Pruned, progWhole.Outliving)
	}
}

func hasNeed(ns []Need, name string) bool {
	for _, n := range ns {
		if n.Name == name {
			return true
		}
	}
	return false
}
