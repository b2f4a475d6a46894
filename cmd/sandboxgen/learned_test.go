package main

import (
	"strings"
	"testing"

	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/systable"
)

func TestParseLearned(t *testing.T) {
	good := "# comment\n\nstatfs /usr/bin/ls # trace on amd64\nvfork   /usr/bin/dash\nopenat /opt/my prog  # a path with a space\n"
	got, err := parseLearned("x", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	want := []learnedEntry{
		{Syscall: "statfs", Exe: "/usr/bin/ls", Comment: "trace on amd64"},
		{Syscall: "vfork", Exe: "/usr/bin/dash"},
		{Syscall: "openat", Exe: "/opt/my prog", Comment: "a path with a space"},
	}
	if len(got) != len(want) {
		t.Fatalf("parseLearned: %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, tt := range []struct{ in, msg string }{
		{"statfs\n", "x:1: \"statfs\": want \"NAME EXECUTABLE"},
		{"# c\nstatfz /bin/ls\n", "x:2: \"statfz\" is no syscall on any supported architecture (did you mean statfs?)"},
	} {
		_, err := parseLearned("x", []byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("parseLearned(%q) = %v, want an error containing %q", tt.in, err, tt.msg)
		}
	}
}

func TestFormatLearnedRoundTrip(t *testing.T) {
	entries := []learnedEntry{
		{Syscall: "vfork", Exe: "/usr/bin/dash", Comment: "trace on amd64"},
		{Syscall: "fadvise64", Exe: "/usr/bin/sort"},
		{Syscall: "fadvise64", Exe: "/usr/bin/cat"},
	}
	out := formatLearned(entries)
	back, err := parseLearned("x", out)
	if err != nil {
		t.Fatal(err)
	}
	if string(formatLearned(back)) != string(out) {
		t.Errorf("format(parse(format(e))) differs from format(e):\n%s", out)
	}
	body := strings.TrimPrefix(string(out), learnedHeader)
	if want := "\nfadvise64            /usr/bin/cat\nfadvise64            /usr/bin/sort\nvfork                /usr/bin/dash             # trace on amd64\n"; body != want {
		t.Errorf("formatLearned body:\n%q\nwant\n%q", body, want)
	}
}

func TestMergeLearned(t *testing.T) {
	table, err := systable.Lookup("arm64")
	if err != nil {
		t.Fatal(err)
	}
	learned := []learnedEntry{
		{Syscall: "vfork", Exe: "/usr/bin/dash"}, // no vfork on arm64: skipped
		{Syscall: "fadvise64", Exe: "/usr/bin/sort"},
		{Syscall: "fadvise64", Exe: "/usr/bin/cat"},
		{Syscall: "read", Exe: "/usr/bin/cat"}, // allowed already
		{Syscall: "openat", Exe: "program"},    // under an argument rule: widened
	}
	pol := gen.Policy{Arch: "arm64", Default: gen.KillProcess, Syscalls: map[string][]gen.Rule{
		"read":   {{Action: gen.Allow}},
		"clone3": {{Action: gen.Errno(38)}},
		"openat": {{Args: []gen.ArgCond{{Index: 2, Op: gen.OpMaskedEqual, Mask: 3}}, Action: gen.Allow}},
	}}
	changes, err := mergeLearned(&pol, table, learned, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, c.Name+": "+c.Reason)
	}
	want := []string{
		"fadvise64: learned: child /usr/bin/cat, child /usr/bin/sort (sandbox.learned)",
		"openat: learned: program (sandbox.learned)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, name := range []string{"fadvise64", "openat", "read"} {
		if r := pol.Syscalls[name]; len(r) != 1 || len(r[0].Args) != 0 || r[0].Action != gen.Allow {
			t.Errorf("%s after the merge: %+v, want an unconditional allow", name, r)
		}
	}
	if r := pol.Syscalls["clone3"]; len(r) != 1 || r[0].Action != gen.Errno(38) {
		t.Errorf("clone3's ENOSYS rule after the merge: %+v, want it kept", r)
	}
	if _, ok := pol.Syscalls["vfork"]; ok {
		t.Errorf("vfork merged into an arm64 policy, which has no such syscall")
	}
	if _, err := mergeLearned(&pol, table, learned, []string{"fadvise64"}); err == nil || !strings.Contains(err.Error(), "-deny fadvise64") {
		t.Errorf("-deny of a learned syscall: err = %v, want an error naming the conflict", err)
	}
}
