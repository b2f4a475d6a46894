package runtimeprofile

import (
	"encoding/json"
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

// buildStressGenerated builds testdata/stress with the file gen.Emit writes
// for pol added to the package through go build -overlay (the source tree
// is not touched), as sandboxgen would generate it next to main.
func buildStressGenerated(t *testing.T, p *Profile, pol gen.Policy, cgo bool) string {
	t.Helper()
	prog, err := gen.Compile(pol)
	if err != nil {
		t.Fatalf("gen.Compile: %v", err)
	}
	// With cgo the policy has the Cgo group: the file covers that build.
	src, err := gen.Emit(prog, gen.Metadata{GoVersion: p.GoVersion, Cgo: cgo})
	if err != nil {
		t.Fatalf("gen.Emit: %v", err)
	}
	dir := t.TempDir()
	generated := filepath.Join(dir, gen.FileName(p.GOARCH))
	if err := os.WriteFile(generated, src, 0o644); err != nil {
		t.Fatal(err)
	}
	target, err := filepath.Abs(filepath.Join("testdata", "stress", gen.FileName(p.GOARCH)))
	if err != nil {
		t.Fatal(err)
	}
	overlay, _ := json.Marshal(map[string]map[string]string{"Replace": {target: generated}})
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "stress")
	cmd := exec.Command("go", "build", "-overlay", overlayFile, "-o", bin, "./testdata/stress")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOTOOLCHAIN=local")
	if cgo {
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "GOTOOLCHAIN=local")
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the stress program with its generated file: %v\n%s", err, out)
	}
	return bin
}

// TestStressUnderGeneratedFile runs the stress program the way a user's
// program runs: gen.Compile'd from a policy of the profile plus its own
// syscalls, emitted by gen.Emit as a Go file that registers the program from
// init, and installed by selfsandbox.Lock first thing in main. With cgo the
// Cgo group's errno entry (clone3) is compiled too, and a policy without
// socket must kill the program.
func TestStressUnderGeneratedFile(t *testing.T) {
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
			bin := buildStressGenerated(t, p, pol, tc.cgo)
			d := 4 * time.Second
			if *long && tc.drop == "" {
				d = 2 * time.Minute
			}
			r := runStress(t, bin, d+time.Minute, "STRESS_SELFSANDBOX=1", "STRESS_DURATION="+d.String())
			if tc.drop != "" {
				if r.Signal != syscall.SIGSYS {
					t.Fatalf("without %s the generated filter must kill the program with SIGSYS: %v", tc.drop, r)
				}
				return
			}
			if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "OK ") || !strings.Contains(r.Stderr, "STRESS-LOCKED") {
				t.Fatalf("stress program under its generated filter: %v", r)
			}
		})
	}
}
