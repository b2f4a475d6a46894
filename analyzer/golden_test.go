package analyzer

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// updateGolden rewrites the golden files of TestGolden from the analysis as
// it is now. Run it on code whose results are known good (before a
// refactoring, or after a change whose new results were checked), then
// commit the files.
var updateGolden = flag.Bool("update", false, "rewrite testdata/golden/*.golden from the current analysis")

// goldenOthers are the main packages under testdata/ whose analysis
// TestGolden records besides the fixtures (broken does not build;
// asmsample is not a program): the pruning reasons, the programs of the
// resolve and tags tests and the 249-package benchmark program.
var goldenOthers = []string{
	"bigprog", "prunereasons/callsmain", "prunereasons/funcvalue", "prunereasons/golock", "prunereasons/loop",
	"prunereasons/nolock", "prunereasons/twice", "resolve", "tagged",
}

// TestGolden is a differential test of the whole analysis: for every
// fixture and every program of goldenOthers, on amd64, what Analyze finds (the syscalls with
// their origins, the pruning and what it left out, the unresolved sites,
// the go statements before Lock and the warnings) must equal the record in
// testdata/golden/. A change to the analysis that is meant to keep its
// results (a refactoring) must leave this test passing; one meant to
// change them shows the difference here, and -update records it.
//
// The records depend on the standard library, so they hold for the Go
// release they were made with (the first line); with another release the
// test is skipped, and -update makes new ones. The fixtures' analysis is
// the one TestFixtures checks (with the exec group, for the host, which
// must be amd64).
func TestGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses 28 programs")
	}
	if runtime.GOARCH != "amd64" {
		t.Skip("the records are of linux/amd64, analysed as the host")
	}
	dir := filepath.Join("testdata", "golden")
	version := runtime.Version()
	if !*updateGolden {
		if head, err := os.ReadFile(filepath.Join(dir, "bigprog.golden")); err == nil {
			first, _, _ := strings.Cut(string(head), "\n")
			if want := goldenHeader(version); first != want {
				t.Skipf("the golden files were made with another Go release (%q, this is %s): run go test -run TestGolden -update on code known to be good", first, version)
			}
		}
	}
	var pats []string
	for _, p := range goldenOthers {
		pats = append(pats, "./testdata/"+p)
	}
	others := analyzeCached(t, "golden", Config{ExecChild: true}, pats...)
	fixtureRep := fixtureReport(t)
	names := slices.Clone(goldenOthers)
	for _, f := range fixtures {
		names = append(names, f.name)
	}
	if *updateGolden {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range names {
		rep := others
		if !slices.Contains(goldenOthers, name) {
			rep = fixtureRep
		}
		prog := programNamed(t, rep, name)
		got := goldenHeader(version) + "\n" + goldenRecord(prog)
		file := filepath.Join(dir, strings.ReplaceAll(name, "/", "_")+".golden")
		if *updateGolden {
			if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("%s: %v (run go test -run TestGolden -update to record it)", name, err)
			continue
		}
		if diff := lineDiff(string(want), got); diff != "" {
			t.Errorf("%s: the analysis differs from %s (- recorded, + now):\n%s", name, file, diff)
		}
	}
}

// goldenHeader is the first line of every golden file.
func goldenHeader(version string) string {
	return "# " + version + " linux/amd64"
}

// goldenRecord writes down what TestGolden compares, one fact per line.
func goldenRecord(p *Program) string {
	var b strings.Builder
	if p.Pruning.Applied {
		fmt.Fprintf(&b, "pruning applied at %s\n", p.Pruning.LockAt)
	} else {
		fmt.Fprintf(&b, "pruning not applied: %s\n", p.Pruning.Reason)
	}
	for _, n := range p.Syscalls {
		fmt.Fprintf(&b, "syscall %s %s errno=%d\n", n.Name, n.Origin, n.Errno)
	}
	for _, n := range p.Pruned {
		fmt.Fprintf(&b, "pruned %s %s\n", n.Name, n.Origin)
	}
	for _, u := range p.Unresolved {
		fmt.Fprintf(&b, "unresolved %s in %s: %s\n", u.Pos, u.Func, u.Reason)
	}
	for _, g := range p.Outliving {
		var names []string
		for _, n := range g.Needs {
			names = append(names, n.Name)
		}
		fmt.Fprintf(&b, "outliving %s (lines %d-%d) in %s: %s\n", g.Pos, g.Line, g.EndLine, g.Func, strings.Join(names, " "))
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(&b, "warning %s\n", w)
	}
	fmt.Fprintf(&b, "features %+v\n", p.Features)
	return b.String()
}

// lineDiff lists the lines only in want (-) and only in got (+), or ""
// when the two are equal. The records are sets of lines in a fixed order,
// so a set difference says what changed.
func lineDiff(want, got string) string {
	if want == got {
		return ""
	}
	count := map[string]int{}
	for _, l := range strings.Split(got, "\n") {
		count[l]++
	}
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if count[l] > 0 {
			count[l]--
			continue
		}
		fmt.Fprintf(&b, "- %s\n", l)
	}
	for _, l := range strings.Split(got, "\n") {
		if count[l] > 0 {
			count[l]--
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	if b.Len() == 0 {
		return "(the same lines in another order)\n"
	}
	return b.String()
}
