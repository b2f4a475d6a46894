package runtimeprofile

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// otherToolchains returns the GOROOTs of toolchains the go command has
// already downloaded into the module cache (GOTOOLCHAIN=go1.N.M go ...).
// Tests never download one.
func otherToolchains(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOMODCACHE: %v", err)
	}
	dirs, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "golang.org", "toolchain@v0.0.1-go*.linux-"+runtime.GOARCH))
	return dirs
}

// TestOtherToolchains extracts the profile from every other toolchain
// present (skips when there is none) and checks that it is complete: every
// site has a trigger, the core runtime set is in Base, and the version is
// the toolchain's. It logs how the Base set differs from this toolchain's.
func TestOtherToolchains(t *testing.T) {
	roots := otherToolchains(t)
	if len(roots) == 0 {
		t.Skip("no other Go toolchain in the module cache (fetch one with GOTOOLCHAIN=go1.27.3 go version)")
	}
	for _, arch := range []string{"amd64", "arm64"} {
		here := profileFor(t, arch).Names()
		for _, root := range roots {
			p, err := For(root, "linux", arch)
			if err != nil {
				t.Errorf("%s %s: %v", root, arch, err)
				continue
			}
			if !strings.Contains(root, p.GoVersion+".") {
				t.Errorf("%s: GoVersion %q does not match the toolchain directory", root, p.GoVersion)
			}
			for _, s := range append(slices.Clone(p.Syscalls), p.PreMain...) {
				for _, site := range s.Sites {
					if site.Trigger == TriggerUnknown {
						t.Errorf("%s %s: %s at %s (%s) has no trigger", p.GoVersion, arch, s.Name, site.Pos, site.Func)
					}
				}
			}
			names := p.Names()
			for _, n := range []string{"futex", "mmap", "clone", "exit_group", "epoll_pwait", "rt_sigreturn", "restart_syscall", "sched_getaffinity", "tgkill"} {
				if !slices.Contains(names, n) {
					t.Errorf("%s %s: Base lacks %s", p.GoVersion, arch, n)
				}
			}
			var added, removed []string
			for _, n := range names {
				if !slices.Contains(here, n) {
					added = append(added, n)
				}
			}
			for _, n := range here {
				if !slices.Contains(names, n) {
					removed = append(removed, n)
				}
			}
			t.Logf("%s %s: %d in Base; added %v, removed %v; notes %v", p.GoVersion, arch, len(names), added, removed, p.Notes)
			if arch == runtime.GOARCH {
				stressWithToolchain(t, root, p)
			}
		}
	}
}

// stressWithToolchain builds the stress program with the toolchain in root
// and runs it under a filter of that toolchain's own profile.
func stressWithToolchain(t *testing.T, root string, p *Profile) {
	t.Helper()
	bin := buildStressWith(t, filepath.Join(root, "bin", "go"))
	r := runStress(t, bin, time.Minute, "STRESS_FILTER="+stressAllow(t, p), "STRESS_DURATION=5s")
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "OK ") {
		t.Errorf("stress program built by %s under its profile: %v", p.GoVersion, r)
	}
}
