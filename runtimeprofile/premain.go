package runtimeprofile

import (
	"sort"
	"strings"
)

// startupSeeds are the runtime functions that run exactly once, before
// main.main, whatever the program does. This cannot be read from the
// source: it is the order of the runtime's bootstrap (asm_<arch>.s:
// rt0_go calls args, osinit, schedinit, then creates the main goroutine
// and starts the scheduler). rt0_go is entered only from the _rt0_<arch>
// entry points; everything else it reaches has other callers and is
// judged by the call graph.
var startupSeeds = []string{"runtime.rt0_go"}

// preMain computes which graph nodes can only run before main.main: the
// seeds, and every function that escapes nowhere and whose callers all
// run only before main (a function no visible code calls, that nothing
// takes the address of, that no //go:linkname exports and that the
// compiler does not call, cannot run at all on this GOOS/GOARCH and counts
// too). It returns each such node with the reason.
func (s *scan) preMain() map[string]string {
	p := map[string]string{}
	for _, seed := range startupSeeds {
		p[seed] = "entered once at start-up, before main.main (bootstrap order)"
	}
	_, allRuntimeEscape := s.escapes["runtime.*"]
	nodes := map[string]bool{}
	for n := range s.goDecl {
		nodes[n] = true
	}
	for n := range s.asmText {
		nodes[n] = true
	}
	for n := range s.callers {
		nodes[n] = true
	}
	for changed := true; changed; {
		changed = false
		for n := range nodes {
			if _, done := p[n]; done {
				continue
			}
			if _, esc := s.escapes[n]; esc {
				continue
			}
			if allRuntimeEscape && strings.HasPrefix(n, "runtime.") {
				continue
			}
			if !s.goDecl[n] && !s.asmText[n] {
				continue // not a function (a data symbol, an unknown name)
			}
			callers := s.callers[n]
			ok := true
			for c := range callers {
				if _, in := p[c]; !in {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			if len(callers) == 0 {
				p[n] = "never called on this GOOS/GOARCH (no caller in the runtime's source)"
			} else {
				p[n] = "called only from " + strings.Join(sortedKeys(callers), ", ")
			}
			changed = true
		}
	}
	return p
}

// callerChain explains why n runs only before main: the chain of
// only-callers up to a seed (or to a function never called).
func callerChain(p map[string]string, n string) string {
	var parts []string
	seen := map[string]bool{}
	for n != "" && !seen[n] && len(parts) < 8 {
		seen[n] = true
		why := p[n]
		parts = append(parts, n+": "+why)
		rest, ok := strings.CutPrefix(why, "called only from ")
		if !ok {
			break
		}
		callers := strings.Split(rest, ", ")
		sort.Strings(callers)
		n = callers[0]
	}
	return strings.Join(parts, "; ")
}

// whyAfterMain names what keeps n from being start-up only: how it escapes,
// or a caller that is not start-up only.
func (s *scan) whyAfterMain(pre map[string]string, n string) string {
	if why, ok := s.escapes[n]; ok {
		return why
	}
	for _, c := range sortedKeys(s.callers[n]) {
		if _, ok := pre[c]; !ok {
			return "called from " + c
		}
	}
	return "not a known function"
}
