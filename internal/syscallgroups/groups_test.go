package syscallgroups

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// TestDefinitions checks the table: sorted groups with sorted, unique
// lists, every name a syscall on at least one supported architecture, and
// the groups that matter on the common targets non-empty there.
func TestDefinitions(t *testing.T) {
	if !slices.IsSortedFunc(groups, func(a, b Group) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("groups are not sorted by name")
	}
	var tables []*systable.Table
	for _, a := range systable.Arches() {
		tb, err := systable.Lookup(a)
		if err != nil {
			t.Fatal(err)
		}
		tables = append(tables, tb)
	}
	for _, g := range groups {
		if !IsGroup(g.Name) || g.Doc == "" || len(g.Syscalls) == 0 {
			t.Errorf("%+v: a group needs a name with %s, a doc line and syscalls", g, Prefix)
		}
		if !slices.IsSorted(g.Syscalls) || len(slices.Compact(slices.Clone(g.Syscalls))) != len(g.Syscalls) {
			t.Errorf("%s: syscalls not sorted or not unique", g.Name)
		}
		for _, n := range g.Syscalls {
			found := false
			for _, tb := range tables {
				if _, ok := tb.Number(n); ok {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: %s is a syscall on no supported architecture", g.Name, n)
			}
		}
		for _, arch := range []string{"amd64", "arm64"} {
			tb, _ := systable.Lookup(arch)
			n := 0
			for _, s := range g.Syscalls {
				if _, ok := tb.Number(s); ok {
					n++
				}
			}
			if n == 0 && g.Name != "@raw-io" && g.Name != "@sysv-ipc" {
				t.Errorf("%s has no syscall on %s", g.Name, arch)
			}
		}
	}
}

func TestExpand(t *testing.T) {
	tests := []struct {
		in      []string
		want    []string
		from    map[string]string
		wantErr string
	}{
		{in: []string{"read", "write"}, want: []string{"read", "write"}, from: map[string]string{}},
		{in: []string{"@swap", "read"}, want: []string{"swapoff", "swapon", "read"}, from: map[string]string{"swapoff": "@swap", "swapon": "@swap"}},
		{in: []string{"swapon", "@swap"}, want: []string{"swapon", "swapoff"}, from: map[string]string{"swapoff": "@swap"}},
		{in: []string{"@reboot", "@reboot"}, want: []string{"kexec_file_load", "kexec_load", "reboot"}, from: map[string]string{"kexec_file_load": "@reboot", "kexec_load": "@reboot", "reboot": "@reboot"}},
		{in: []string{"@mounts"}, wantErr: "@mounts: no such syscall group; the groups are @bpf,"},
	}
	for _, tc := range tests {
		got, from, err := Expand(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Errorf("Expand(%v) error = %v, want prefix %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Expand(%v): %v", tc.in, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Expand(%v) = %v, want %v", tc.in, got, tc.want)
		}
		if len(from) != len(tc.from) {
			t.Errorf("Expand(%v) from = %v, want %v", tc.in, from, tc.from)
		}
		for k, v := range tc.from {
			if from[k] != v {
				t.Errorf("Expand(%v) from[%s] = %q, want %q", tc.in, k, from[k], v)
			}
		}
	}
	if _, ok := Lookup("@mount"); !ok {
		t.Error(`Lookup("@mount") found nothing`)
	}
	if _, ok := Lookup("@nothing"); ok {
		t.Error(`Lookup("@nothing") found a group`)
	}
}

var update = flag.Bool("update", false, "rewrite the table of groups in docs/modes.md")

// docsPath is the document that lists the groups.
const docsPath = "../../docs/modes.md"

// docsBegin and docsEnd enclose the table of groups in docsPath.
const (
	docsBegin = "<!-- syscall groups: generated from internal/syscallgroups by its tests (go test ./internal/syscallgroups -update) -->\n"
	docsEnd   = "<!-- end of syscall groups -->\n"
)

// markdownTable is the table of groups as docs/modes.md shows it.
func markdownTable() string {
	var b strings.Builder
	b.WriteString("| group | what for | syscalls |\n| --- | --- | --- |\n")
	for _, g := range Groups() {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", g.Name, g.Doc, strings.Join(g.Syscalls, ", "))
	}
	return b.String()
}

// TestDocsTable checks that docs/modes.md lists the groups as defined
// (with -update, rewrites the table).
func TestDocsTable(t *testing.T) {
	raw, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	before, rest, ok := strings.Cut(doc, docsBegin)
	if !ok {
		t.Fatalf("%s has no line %q", docsPath, docsBegin)
	}
	table, after, ok := strings.Cut(rest, docsEnd)
	if !ok {
		t.Fatalf("%s has no line %q after the table", docsPath, docsEnd)
	}
	want := markdownTable()
	if table == want {
		return
	}
	if !*update {
		t.Fatalf("%s lists other groups than the definitions; run go test ./internal/syscallgroups -update. Want:\n%s", docsPath, want)
	}
	if err := os.WriteFile(docsPath, []byte(before+docsBegin+want+docsEnd+after), 0o644); err != nil {
		t.Fatal(err)
	}
}
