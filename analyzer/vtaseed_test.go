package analyzer

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/callgraph/vta"
	"golang.org/x/tools/go/ssa"
)

// TestVTASeed checks vtaReach's shortcut: VTA analyses the functions of a
// walk over CHA's graph that takes every interface call for one
// reflection's values may reach, instead of deciding which can. On each
// fixture, every function of the reach must have been analysed (else VTA
// missed the values it passes on), and the reach must be the one of the
// full walk's seed: the same functions and edges. Then the loop that
// keeps the first point when a seed falls short: httpserver's reflection
// reaches the methods of an anonymous struct (struct{io.Reader;
// io.WriterTo}); from a seed without them, vtaClosed must add them and run
// VTA again.
func TestVTASeed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the SSA of programs")
	}
	for _, fixture := range []string{"httpserver", "reflectflow", "refinereach", "osexecjson"} {
		t.Run(fixture, func(t *testing.T) {
			p, err := buildFixture("./testdata/" + fixture)
			if err != nil {
				t.Fatal(err)
			}
			mainFn := p.mainPkg.Func("main")
			roots := []*ssa.Function{p.mainPkg.Func("init"), mainFn}
			why := map[*ssa.Function]string{roots[0]: "init", mainFn: "main"}

			got, analysed := p.vtaClosed(roots, why, p.walkWith(roots, why, p.cha, nil, true).funcs)
			for fn := range got.funcs {
				if !analysed[fn] {
					t.Errorf("%s is reachable but VTA did not analyse it", fn)
				}
			}

			full := p.walk(roots, why, p.cha, nil).funcs
			want := p.walk(roots, why, vta.CallGraph(full, p.cha), full)
			if d := setDiff(funcNameSet(got.funcs), funcNameSet(want.funcs)); d != "" {
				t.Errorf("functions differ from the full seed's reach:\n%s", d)
			}
			if d := setDiff(edgeSet(got), edgeSet(want)); d != "" {
				t.Errorf("edges differ from the full seed's reach:\n%s", d)
			}

			if fixture != "httpserver" {
				return
			}
			short := map[*ssa.Function]bool{}
			left := 0
			for fn := range full {
				if strings.HasPrefix(fn.String(), "(*struct{io.Reader") {
					left++
					continue
				}
				short[fn] = true
			}
			if left == 0 {
				t.Fatal("httpserver's seed has no method of struct{io.Reader; ...}: the fixture no longer exercises the loop")
			}
			closed, closedAnalysed := p.vtaClosed(roots, why, short)
			for fn := range closed.funcs {
				if !closedAnalysed[fn] {
					t.Errorf("from a seed without %d methods: %s is reachable but VTA did not analyse it", left, fn)
				}
			}
			if d := setDiff(funcNameSet(closed.funcs), funcNameSet(want.funcs)); d != "" {
				t.Errorf("from a seed without %d methods, functions differ from the full seed's reach:\n%s", left, d)
			}
		})
	}
}

// edgeSet names every edge of r.
func edgeSet(r *reach) map[string]bool {
	out := map[string]bool{}
	for _, es := range r.succ {
		for _, e := range es {
			site := ""
			if e.site != nil {
				site = e.site.String()
			}
			out[e.caller.String()+" -> "+e.callee.String()+" at "+site] = true
		}
	}
	return out
}

// funcNameSet names the functions of fns.
func funcNameSet(fns map[*ssa.Function]bool) map[string]bool {
	out := make(map[string]bool, len(fns))
	for fn := range fns {
		out[fn.String()] = true
	}
	return out
}

// setDiff describes what only one of a and b holds, at most ten lines, or
// returns "".
func setDiff(a, b map[string]bool) string {
	var lines []string
	for k := range a {
		if !b[k] {
			lines = append(lines, "only in the shortcut's: "+k)
		}
	}
	for k := range b {
		if !a[k] {
			lines = append(lines, "only in the full seed's: "+k)
		}
	}
	slices.Sort(lines)
	if len(lines) > 10 {
		lines = append(lines[:10], "...")
	}
	return strings.Join(lines, "\n")
}
