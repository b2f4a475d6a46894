package runtimeprofile

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sandboxgen/sandboxgen/gen"
)

// policyFor is the policy the analyzer would build for the stress program:
// the profile's Base and groups plus its own syscalls allowed, the
// profile's errno entries answered with their errno, everything else
// KILL_PROCESS.
func policyFor(p *Profile, groups []Group, own []string) gen.Policy {
	pol := gen.Policy{Arch: p.GOARCH, Default: gen.KillProcess, Syscalls: map[string][]gen.Rule{}}
	for name, e := range p.Errnos(groups...) {
		pol.Syscalls[name] = []gen.Rule{{Action: gen.Errno(e)}}
	}
	for _, name := range union(p.Names(groups...), own) {
		pol.Syscalls[name] = []gen.Rule{{Action: gen.Allow}}
	}
	return pol
}

// TestStressUnderCompiledFilter runs the stress program under the filter
// gen.Compile makes from the profile, the way a generated file would
// install it, and with cgo so that the Cgo group's errno entry is compiled
// too.
func TestStressUnderCompiledFilter(t *testing.T) {
	requireLinux(t)
	p := profileFor(t, runtime.GOARCH)
	for _, tc := range []struct {
		name   string
		cgo    bool
		groups []Group
		drop   string // a syscall left out of the policy: the run must die of SIGSYS
	}{
		{"pure-go", false, []Group{CPUProfile}, ""},
		{"cgo", true, []Group{CPUProfile, Cgo}, ""},
		{"pure-go-without-socket", false, []Group{CPUProfile}, "socket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cgo {
				if _, err := exec.LookPath("gcc"); err != nil {
					t.Skip("no C compiler for a cgo build")
				}
			}
			pol := policyFor(p, tc.groups, stressOwn)
			delete(pol.Syscalls, tc.drop)
			prog, err := gen.Compile(pol)
			if err != nil {
				t.Fatalf("gen.Compile: %v", err)
			}
			var b strings.Builder
			for _, ins := range prog.Instructions {
				fmt.Fprintf(&b, "%d %d %d %d\n", ins.Code, ins.Jt, ins.Jf, ins.K)
			}
			file := filepath.Join(t.TempDir(), "filter.bpf")
			if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			bin := buildStress(t, tc.cgo)
			r := runStress(t, bin, time.Minute, "STRESS_BPF="+file, "STRESS_DURATION=4s")
			if tc.drop != "" {
				if r.Signal != syscall.SIGSYS {
					t.Fatalf("without %s the compiled filter must kill the program with SIGSYS: %v", tc.drop, r)
				}
				return
			}
			if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "OK ") || !strings.Contains(r.Stderr, "STRESS-LOCKED") {
				t.Fatalf("stress program under the compiled filter (%d instructions): %v", len(prog.Instructions), r)
			}
		})
	}
}
