package analyzer

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/childtest"
)

// TestBuildSettings generates the filters of testdata/buildsettings and
// buildsettingsc as sandboxgen does under CGO_ENABLED=0 (and, for
// comparison, with cgo), then builds each program without cgo, with cgo
// and with -race and runs it on the real kernel. Both start threads after
// Lock. Each run must either finish ("ok") or have Lock refuse with a
// *BuildMismatchError naming the setting (exit 3); never die of SIGSYS at
// a new thread, as a cgo or race build of a filter generated without cgo
// used to. buildsettings differs with cgo only in the standard library
// (os/user), so its filter covers both builds; buildsettingsc has C code
// of its own, which an analysis without cgo cannot see.
func TestBuildSettings(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no C compiler, so no cgo build to compare (CI has one)")
	}
	pats := []string{"./testdata/buildsettings", "./testdata/buildsettingsc"}
	nocgoRep := analyzeCached(t, "buildsettings-nocgo", Config{Env: []string{"CGO_ENABLED=0"}}, pats...)
	cgoRep := analyzeCached(t, "buildsettings-cgo", Config{Env: []string{"CGO_ENABLED=1"}}, pats...)
	nocgo, cgo := programNamed(t, nocgoRep, "buildsettings"), programNamed(t, cgoRep, "buildsettings")
	ownC := programNamed(t, nocgoRep, "buildsettingsc")
	for _, c := range []struct {
		name        string
		prog        *Program
		cgo, covers bool
	}{
		{"buildsettings without cgo", nocgo, false, true},
		{"buildsettings with cgo", cgo, true, true},
		{"buildsettingsc without cgo", ownC, false, false},
	} {
		if c.prog.Features.Cgo != c.cgo || c.prog.CoversCgo != c.covers {
			t.Fatalf("%s: Features.Cgo %v, CoversCgo %v; want %v, %v", c.name, c.prog.Features.Cgo, c.prog.CoversCgo, c.cgo, c.covers)
		}
	}
	// With cgo, buildsettings' only C code is the standard library's: its
	// warning says so instead of asking for "C libraries" it does not
	// have. buildsettingsc's C code of its own keeps the C analysis's.
	ownCgo := programNamed(t, cgoRep, "buildsettingsc")
	if !slices.Contains(cgo.Warnings, stdCgoWarning) || slices.Contains(cgo.Warnings, cgoFeatureWarning) {
		t.Errorf("buildsettings with cgo: want the standard-library cgo warning; got %q", cgo.Warnings)
	}
	if slices.Contains(ownCgo.Warnings, stdCgoWarning) || !slices.ContainsFunc(ownCgo.Warnings, func(w string) bool { return strings.HasPrefix(w, "cgo: ") }) {
		t.Errorf("buildsettingsc with cgo: want a cgo warning about its own C code; got %q", ownCgo.Warnings)
	}
	for _, tt := range []struct {
		name  string
		prog  *Program
		env   string
		flags []string
		want  string // "ok" or the mismatched setting
	}{
		{"generated without cgo, built without cgo", nocgo, "CGO_ENABLED=0", nil, "ok"},
		{"generated without cgo, built with cgo", nocgo, "CGO_ENABLED=1", nil, "ok"},
		{"generated without cgo, built with -race", nocgo, "CGO_ENABLED=1", []string{"-race"}, "race"},
		{"generated with cgo, built with cgo", cgo, "CGO_ENABLED=1", nil, "ok"},
		{"generated with cgo, built without cgo", cgo, "CGO_ENABLED=0", nil, "ok"},
		{"own C code generated without cgo, built without cgo", ownC, "CGO_ENABLED=0", nil, "ok"},
		{"own C code generated without cgo, built with cgo", ownC, "CGO_ENABLED=1", nil, "cgo"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pol, meta := lockedPolicy(t, tt.prog)
			bin := buildLockedWith(t, tt.prog, pol, meta, []string{tt.env}, tt.flags...)
			if tt.env == "CGO_ENABLED=1" && !linksRuntimeCgo(t, bin) {
				t.Fatalf("the cgo build does not link runtime/cgo, so it tests nothing")
			}
			for _, mode := range []string{"enforce", "trap"} {
				cmd := exec.Command(bin)
				cmd.Env = append(os.Environ(), "SELFSANDBOX_MODE="+mode)
				r := childtest.RunCommand(t, cmd)
				if r.Signal != 0 || strings.Contains(r.Stderr, "SIGSYS") {
					t.Fatalf("%s mode: killed by the filter: %v", mode, r)
				}
				switch tt.want {
				case "ok":
					if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "ok true") {
						t.Errorf("%s mode: want a clean run: %v", mode, r)
					}
				default:
					if r.ExitCode != 3 || !strings.HasPrefix(r.Stdout, "build mismatch: "+tt.want+"\n") {
						t.Errorf("%s mode: want Lock to refuse with a BuildMismatchError for %s: %v", mode, tt.want, r)
					}
				}
			}
		})
	}
}

// linksRuntimeCgo reports whether the binary at bin links runtime/cgo, by
// the build information go version -m reads from it.
func linksRuntimeCgo(t *testing.T, bin string) bool {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	return strings.Contains(string(out), "CGO_ENABLED=1")
}

// TestPanicAfterLock: a program that panics once locked prints the panic
// and its goroutine trace and exits 2 in enforce, trap and errno modes,
// under a filter that allows only what the runtime itself needs
// (Program.Runtime): everything -deny may take away is taken away, so the
// runtime's crash-reporting path must be in what it may not.
func TestPanicAfterLock(t *testing.T) {
	prog := programNamed(t, analyzeCached(t, "panicafterlock", Config{}, "./testdata/panicafterlock"), "panicafterlock")
	var names []string
	for _, n := range prog.Runtime {
		names = append(names, n.Name)
	}
	for _, name := range []string{"write", "exit_group"} {
		if !slices.Contains(names, name) {
			t.Errorf("Program.Runtime lacks %s: %v", name, names)
		}
	}
	pol := gen.Policy{Arch: prog.GOARCH, Default: gen.KillProcess, BadArch: gen.KillProcess, Syscalls: map[string][]gen.Rule{}}
	for _, n := range prog.Runtime {
		act := gen.Allow
		if n.Errno != 0 {
			act = gen.Errno(n.Errno)
		}
		pol.Syscalls[n.Name] = []gen.Rule{{Action: act}}
	}
	bin := buildLockedWith(t, prog, pol, gen.Metadata{GoVersion: prog.GoVersion, Cgo: prog.CoversCgo}, nil)
	for _, mode := range []string{"enforce", "trap", "errno"} {
		t.Run(mode, func(t *testing.T) {
			cmd := exec.Command(bin)
			cmd.Env = append(os.Environ(), "SELFSANDBOX_MODE="+mode)
			r := childtest.RunCommand(t, cmd)
			if r.ExitCode != 2 || r.Signal != 0 {
				t.Errorf("want exit status 2: %v", r)
			}
			for _, want := range []string{"panic: locked and panicking: 0", "goroutine 1 [running]:", "main.main()"} {
				if !strings.Contains(r.Stderr, want) {
					t.Errorf("stderr lacks %q: %v", want, r)
				}
			}
		})
	}
}
