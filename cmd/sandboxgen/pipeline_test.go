package main

import (
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/sandboxgen/sandboxgen/analyzer"
)

// TestAnalysisRuns: packages whose options agree share one analysis per
// architecture, and the host's architecture runs first (the cross builds
// after it take its cgo needs).
func TestAnalysisRuns(t *testing.T) {
	other := "arm64"
	if runtime.GOARCH == "arm64" {
		other = "amd64"
	}
	p := func(path string, arches []string, tags ...string) *plan {
		return &plan{pkg: mainPackage{ImportPath: path}, opts: &options{arches: arches, tags: tags, callGraph: "vta"}}
	}
	plans := []*plan{
		p("a", []string{other, runtime.GOARCH}),
		p("b", []string{runtime.GOARCH}),
		p("c", []string{other}, "netgo"),
		p("d", []string{"riscv64", other}),
	}
	var got []string
	for _, r := range analysisRuns(plans) {
		got = append(got, r.key.arch+"["+r.key.tags+"]:"+strings.Join(r.paths, ","))
	}
	want := []string{runtime.GOARCH + "[]:a,b"}
	rest := []string{other + "[]:a,d", other + "[netgo]:c", "riscv64[]:d"}
	if other > "riscv64" {
		rest = []string{"riscv64[]:d", other + "[]:a,d", other + "[netgo]:c"}
	}
	want = append(want, rest...)
	if !slices.Equal(got, want) {
		t.Errorf("runs:\n got %q\nwant %q", got, want)
	}
}

// TestUnresolvedSites: a site of unknown number stops the run unless
// -allow-unresolved or -why lets it go on as a warning.
func TestUnresolvedSites(t *testing.T) {
	prog := &analyzer.Program{PkgPath: "example.com/p", GOARCH: "amd64",
		Unresolved: []analyzer.Site{{Pos: "p.go:3:2", Func: "main.raw", Reason: "a parameter"}}}
	for _, tt := range []struct {
		name string
		opts options
		warn bool
	}{
		{"default", options{}, false},
		{"allow-unresolved", options{allowUnresolved: true}, true},
		{"why", options{why: "read"}, true},
	} {
		warn, fail := unresolvedSites(prog, &tt.opts)
		got, other := fail, warn
		if tt.warn {
			got, other = warn, fail
		}
		if len(got) != 1 || len(other) != 0 || got[0] != "p.go:3:2: main.raw: syscall number unknown (a parameter) [example.com/p, linux/amd64]" {
			t.Errorf("%s: warn %q, fail %q", tt.name, warn, fail)
		}
	}
}
