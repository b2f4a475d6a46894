package main

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestListMainPackages(t *testing.T) {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	const fixtures = "github.com/sandboxgen/sandboxgen/cmd/sandboxgen/testdata/src/"
	tests := []struct {
		patterns []string
		want     []string // import paths, without the fixtures prefix
		wantErr  string
	}{
		{patterns: []string{"./testdata/src/hello"}, want: []string{"hello"}},
		{patterns: []string{"./testdata/src/..."}, want: []string{"broken", "dynamic", "execs", "hello", "usescgo"}},
		// Any pattern go list accepts, with the same meaning.
		{patterns: []string{"./testdata/src/hello/"}, want: []string{"hello"}},
		{patterns: []string{"./testdata/src/./hello"}, want: []string{"hello"}},
		{patterns: []string{"testdata/src/hello"}, wantErr: "is not in std"}, // an import path, as for go list
		{patterns: []string{dir + "/testdata/src/hello"}, want: []string{"hello"}},
		{patterns: []string{dir + "/testdata/src/hello/"}, want: []string{"hello"}},
		{patterns: []string{fixtures + "hello"}, want: []string{"hello"}},
		{patterns: []string{"./testdata/src/hello/..."}, want: []string{"hello"}},
		{patterns: []string{"./testdata/src/hello", "./testdata/src/lib"}, wantErr: fixtures + "lib (package lib) is not a main package"},
		{patterns: []string{"./testdata/src/lib/..."}, wantErr: `pattern "./testdata/src/lib/..." matches no main package`},
		{patterns: []string{"./testdata/src/nosuch"}, wantErr: "directory not found"},
		{patterns: []string{"./testdata/diff/..."}, wantErr: `pattern "./testdata/diff/..." matches no packages`},
		{patterns: []string{"example.com/not/required"}, wantErr: "no required module provides package example.com/not/required"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.patterns, " "), func(t *testing.T) {
			mains, err := listMainPackages(dir, "amd64", nil, tt.patterns)
			if tt.wantErr != "" {
				var ue *usageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want a usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range mains {
				got = append(got, strings.TrimPrefix(m.ImportPath, fixtures))
				if !strings.HasPrefix(m.Dir, dir) {
					t.Errorf("%s: dir %s is not under %s", m.ImportPath, m.Dir, dir)
				}
				// Every main package imports at least the runtime's
				// closure (internal/abi, internal/cpu, ...).
				if m.Packages < 10 {
					t.Errorf("%s: import closure of %d packages", m.ImportPath, m.Packages)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPatternDot: ./. is the current directory, as for go list.
func TestPatternDot(t *testing.T) {
	here, _ := os.Getwd()
	t.Chdir(here + "/testdata/src/hello")
	for _, pat := range []string{".", "./.", "./", "../hello"} {
		mains, err := listMainPackages(".", "amd64", nil, []string{pat})
		if err != nil || len(mains) != 1 || !mains[0].Explicit {
			t.Errorf("%q: %+v, %v", pat, mains, err)
		}
	}
}

func TestBuildErrorsLikeGoBuild(t *testing.T) {
	dir, _ := os.Getwd()
	out := buildErrors(dir, "amd64", nil, []string{"./testdata/src/broken"})
	if !strings.Contains(out, "testdata/src/broken/main.go:5:14: cannot use \"not a number\"") {
		t.Errorf("go build's message is missing the position and the error:\n%s", out)
	}
	if out := buildErrors(dir, "arm64", nil, []string{"./testdata/src/hello"}); out != "" {
		t.Errorf("hello builds, yet got:\n%s", out)
	}
}
