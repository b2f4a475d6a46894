package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/gen"
)

// fakeProgram is an analysis result as the analyzer would return it.
func fakeProgram(arch string, program, runtime []string) *analyzer.Program {
	p := &analyzer.Program{PkgPath: "example.com/cmd/server", GOARCH: arch}
	for _, n := range program {
		p.Syscalls = append(p.Syscalls, analyzer.Need{Name: n, Origin: analyzer.OriginProgram, Path: []string{"main.main (main.go:1)"}})
	}
	for _, n := range runtime {
		p.Syscalls = append(p.Syscalls, analyzer.Need{Name: n, Origin: analyzer.OriginRuntimePrefix + "always"})
	}
	return p
}

func TestBuildPolicy(t *testing.T) {
	program := []string{"openat", "accept4", "connect", "socket", "unlinkat", "newfstatat", "open"}
	runtime := []string{"futex", "mmap", "clone3", "clone"}
	tests := []struct {
		name    string
		arch    string
		opts    options
		wantErr string
		// verdicts: syscall → expected rules rendered with describeRule
		// ("" means absent: the default action).
		verdicts map[string]string
	}{
		{name: "plain enforce", arch: "amd64", opts: options{mode: "enforce"},
			verdicts: map[string]string{"openat": "allow", "connect": "allow", "futex": "allow", "clone3": "errno(38)", "ptrace": ""}},
		{name: "deny and allow", arch: "arm64", opts: options{mode: "errno", deny: []string{"connect", "open"}, allow: []string{"ptrace", "accept4"}},
			verdicts: map[string]string{"connect": "", "ptrace": "allow", "accept4": "allow", "socket": "allow"}},
		{name: "deny a runtime syscall", arch: "amd64", opts: options{mode: "enforce", deny: []string{"futex"}},
			wantErr: "-deny futex: the Go runtime itself needs futex on amd64 (trigger: always)"},
		{name: "readonly amd64", arch: "amd64", opts: options{mode: "enforce", readonlyFS: true},
			verdicts: map[string]string{"openat": "allow if arg2 & 0x643 == 0x0", "open": "allow if arg1 & 0x643 == 0x0", "unlinkat": "", "newfstatat": "allow"}},
		{name: "readonly mips", arch: "mipsle", opts: options{mode: "enforce", readonlyFS: true},
			verdicts: map[string]string{"openat": "allow if arg2 & 0x30b == 0x0", "unlinkat": ""}},
		{name: "allow wins over readonly", arch: "amd64", opts: options{mode: "enforce", readonlyFS: true, allow: []string{"unlinkat"}},
			verdicts: map[string]string{"unlinkat": "allow"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol, changes, err := buildPolicy(fakeProgram(tt.arch, program, runtime), &tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if def, _ := gen.ModeAction(tt.opts.mode); pol.Default != def || pol.Arch != tt.arch {
				t.Errorf("default %v arch %s", pol.Default, pol.Arch)
			}
			for name, want := range tt.verdicts {
				rules, ok := pol.Syscalls[name]
				got := ""
				if ok {
					var parts []string
					for _, r := range rules {
						parts = append(parts, describeRule(r))
					}
					got = strings.Join(parts, "; ")
				}
				if got != want {
					t.Errorf("%s: got %q, want %q", name, got, want)
				}
			}
			for _, c := range changes {
				if c.Reason == "" || c.Action == "" {
					t.Errorf("override without a reason: %+v", c)
				}
			}
		})
	}
}

// TestDenyWhatTheRuntimeNeeds: -deny and -readonly-fs refuse a syscall
// the runtime issues even when the program's own code needs it too, so
// that Syscalls records the program's origin: write, which the runtime
// needs to print a panic, is the case that matters.
func TestDenyWhatTheRuntimeNeeds(t *testing.T) {
	p := fakeProgram("amd64", []string{"write", "getpid", "fchmod", "openat"}, []string{"futex"})
	p.Runtime = []analyzer.Need{
		{Name: "fchmod", Origin: analyzer.OriginRuntimePrefix + "always"}, // no runtime does; it exercises -readonly-fs
		{Name: "futex", Origin: analyzer.OriginRuntimePrefix + "always"},
		{Name: "getpid", Origin: analyzer.OriginRuntimePrefix + "signals and preemption"},
		{Name: "write", Origin: analyzer.OriginRuntimePrefix + "netpoll, crash/exit"},
	}
	for _, tt := range []struct {
		name    string
		opts    options
		wantErr []string // all must be in the error; none means no error
	}{
		{"deny write", options{mode: "enforce", deny: []string{"write"}},
			[]string{"-deny write: the Go runtime itself needs write on amd64 (trigger: netpoll, crash/exit", "reports panics", "drop it from -deny"}},
		{"deny write in trap mode", options{mode: "trap", deny: []string{"write"}},
			[]string{"-deny write", "reports panics"}},
		{"deny getpid", options{mode: "errno", deny: []string{"getpid"}},
			[]string{"-deny getpid: the Go runtime itself needs getpid on amd64 (trigger: signals and preemption)"}},
		{"readonly-fs", options{mode: "enforce", readonlyFS: true},
			[]string{"-readonly-fs: the Go runtime needs fchmod", "drop -readonly-fs"}},
		{"deny what only the program needs", options{mode: "enforce", deny: []string{"openat"}}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pol, _, err := buildPolicy(p, &tt.opts)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := pol.Syscalls["write"]; !ok {
					t.Error("write left the policy")
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted; the policy allows write: %v", pol.Syscalls["write"] != nil)
			}
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Errorf("%T is not a usage error (exit 2): %v", err, err)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}
