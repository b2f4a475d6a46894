package runtimeprofile

import (
	"testing"

	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// TestShellPresetNames checks that every name of the shell preset is a
// syscall on amd64, where it was measured, and that every other supported
// architecture has it or one of its equivalents.
func TestShellPresetNames(t *testing.T) {
	amd64, err := systable.Lookup("amd64")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range Shell {
		if seen[s.Name] {
			t.Errorf("%s listed twice", s.Name)
		}
		seen[s.Name] = true
		if _, ok := amd64.Number(s.Name); !ok {
			t.Errorf("%s is not an amd64 syscall", s.Name)
		}
		if s.MadeBy == "" {
			t.Errorf("%s: no MadeBy", s.Name)
		}
	}
	for _, arch := range systable.Arches() {
		tb, _ := systable.Lookup(arch)
		for _, s := range Shell {
			if _, ok := tb.Number(s.Name); ok {
				continue
			}
			eqs, listed := ShellEquivalents[s.Name]
			found := listed && len(eqs) == 0
			for _, eq := range ShellEquivalents[s.Name] {
				if _, ok := tb.Number(eq); ok {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: %s is no syscall and none of its equivalents %v is", arch, s.Name, ShellEquivalents[s.Name])
			}
		}
	}
}
