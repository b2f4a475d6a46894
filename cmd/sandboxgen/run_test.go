package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sandboxgen/sandboxgen/analyzer"
)

// runCLI runs the command in dir and returns its exit status and output.
func runCLI(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	t.Chdir(dir)
	var stdout, stderr strings.Builder
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// fixtureModule copies testdata/src/hello into a new module that requires
// this one through a replace directive, so the command can write into it.
func fixtureModule(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("testdata/src/hello/main.go")
	if err != nil {
		t.Fatal(err)
	}
	return moduleWith(t, "example.com/hello", map[string]string{"main.go": string(src)})
}

func TestRunBadInput(t *testing.T) {
	canned(t, func(p *analyzer.Program) {
		if strings.HasSuffix(p.PkgPath, "/dynamic") {
			p.Unresolved = []analyzer.Site{{Pos: "src/dynamic/main.go:13:33", Func: "main.main", Reason: "the number is not a constant"}}
		}
	})
	here, _ := os.Getwd()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"./testdata/src/lib"}, "lib (package lib) is not a main package"},
		{[]string{"./testdata/src/nosuch/..."}, "no such file or directory"},
		{[]string{"./testdata/diff/..."}, "matches no packages"},
		{[]string{"-deny", "futex", "-arch", "amd64", "./testdata/src/hello"}, "-deny futex: the Go runtime itself needs futex"},
		{[]string{"-mode", "panic"}, "unknown mode"},
		{[]string{"-arch", "amd64", "./testdata/src/dynamic"}, "1 syscall site has a number the analysis cannot work out"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, here, tt.args...)
			if code != exitBadInput || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout not empty: %s", stdout)
			}
			for _, f := range []string{".", "testdata/src/hello", "testdata/src/broken", "testdata/src/lib", "testdata/src/dynamic"} {
				if m, _ := filepath.Glob(filepath.Join(here, f, "sandbox_*")); len(m) > 0 {
					t.Errorf("files left behind: %v", m)
				}
			}
		})
	}
	// An unresolved syscall site: an error with its position, or with
	// -allow-unresolved a warning (then -check goes on and finds the
	// files missing: exit 1).
	code, _, stderr := runCLI(t, here, "-arch", "amd64", "-check", "./testdata/src/dynamic")
	if code != exitBadInput || !strings.Contains(stderr, "dynamic/main.go:13:33: main.main: syscall number unknown") ||
		!strings.Contains(stderr, "-allow-unresolved") {
		t.Errorf("unresolved site: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, here, "-v", "-arch", "amd64", "-check", "-allow-unresolved", "-allow", "getpid", "./testdata/src/dynamic")
	if code != exitCheckStale || !strings.Contains(stderr, "warning: ") || !strings.Contains(stderr, "sandbox_linux_amd64.go: missing") {
		t.Errorf("-allow-unresolved: exit %d\n%s", code, stderr)
	}

	// Code that does not build: go build's own message for the type error.
	analyse = func(analyzer.Config, ...string) (*analyzer.Report, error) {
		return nil, errors.New("analysis: type errors")
	}
	code, _, stderr = runCLI(t, here, "-arch", "amd64", "./testdata/src/broken")
	if code != exitBadInput || !strings.Contains(stderr, "the packages do not build for linux/amd64; fix these errors first:\n") ||
		!strings.Contains(stderr, `main.go:5:14: cannot use "not a number"`) {
		t.Errorf("the type error is not shown as go build shows it: exit %d\n%s", code, stderr)
	}
}

// TestRunGenerateCheckJSON writes the files into a fresh module with the
// real analysis, builds the program with them, and checks -check and -why
// on them.
func TestRunGenerateCheckJSON(t *testing.T) {
	dir := fixtureModule(t)
	code, _, stderr := runCLI(t, dir, "-v", "-arch", "amd64", ".")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"go list", "analysis linux/amd64", "wrote sandbox_linux_amd64.go", "total"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("-v output lacks %q:\n%s", want, stderr)
		}
	}
	amd64 := filepath.Join(dir, "sandbox_linux_amd64.go")
	src, err := os.ReadFile(amd64)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(src), generatedHeader+"\n") || !strings.Contains(string(src), `{Name: "openat", Nr: 257}`) {
		t.Errorf("generated file:\n%.600s", src)
	}
	// The generated file compiles into the program.
	for _, arch := range []string{"amd64"} {
		cmd := exec.Command("go", "vet", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go vet for %s: %v\n%s", arch, err, out)
		}
	}

	// -json on the real analysis, with other flags than the files
	// record: -check runs too, so the files are stale; nothing is written.
	code, stdout, stderr := runCLI(t, dir, "-json", "-check", "-deny", "lseek", "-allow", "ptrace", "-mode", "errno")
	if code != exitCheckStale || !strings.Contains(stderr, "sandbox_linux_amd64.go: stale") ||
		!strings.Contains(stderr, "-\t\tDefaultAction:    0x80000000,\n+\t\tDefaultAction:    0x50001,") {
		t.Fatalf("-json -check with another mode: exit %d\n%s", code, stderr)
	}
	if now, _ := os.ReadFile(amd64); string(now) != string(src) {
		t.Error("-json -check changed the file")
	}
	var rep report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("-json output: %v\n%s", err, stdout)
	}
	if len(rep.Programs) != 1 || rep.Programs[0].Arch != "amd64" || rep.Programs[0].Package != "example.com/hello" ||
		rep.Programs[0].File != amd64 || rep.Programs[0].Instructions == 0 {
		t.Fatalf("report: %+v", rep.Programs)
	}
	if pr := rep.Programs[0].Pruning; pr.Applied || pr.Reason == "" {
		t.Errorf("hello never calls Lock, yet pruning says %+v", pr)
	}
	got := map[string]syscallReport{}
	for _, s := range rep.Programs[0].Syscalls {
		got[s.Name] = s
	}
	if s := got["openat"]; s.Nr != 257 || s.Origin != "program" || len(s.Path) < 2 || !strings.Contains(s.Path[0], "main") {
		t.Errorf("openat: %+v", s)
	}
	if s := got["futex"]; !strings.HasPrefix(s.Origin, "runtime:") || s.Action != "allow" {
		t.Errorf("futex: %+v", s)
	}
	if s := got["ptrace"]; s.Origin != "-allow" || s.Action != "allow" {
		t.Errorf("ptrace: %+v", s)
	}
	if _, ok := got["lseek"]; ok {
		t.Error("lseek was denied but is reported as allowed")
	}

	// Paths name files relative to the directory the command runs in,
	// or by import path: main.go, syscall/syscall_linux.go.
	if s := got["openat"]; !strings.Contains(strings.Join(s.Path, "\n"), "syscall.Open (syscall/syscall_linux.go:") ||
		!strings.HasPrefix(s.Path[0], "example.com/hello.main (main.go:") {
		t.Errorf("openat's call path does not go through syscall.Open or names files inconsistently: %q", s.Path)
	}
}

// TestRunCannedFiles checks writing, -check and -o on canned results.
func TestRunCannedFiles(t *testing.T) {
	canned(t, nil)
	dir := fixtureModule(t)
	mustRun(t, dir, exitOK, ".")
	mustRun(t, dir, exitOK, "-check")
	os.Remove(filepath.Join(dir, "sandbox_linux_arm64.go"))
	if _, stderr := mustRun(t, dir, exitCheckStale, "-check"); !strings.Contains(stderr, "sandbox_linux_arm64.go: missing") {
		t.Fatalf("-check with a missing file:\n%s", stderr)
	}
	// A user's file of the same name is never overwritten.
	os.WriteFile(filepath.Join(dir, "mine_amd64.go"), []byte("package main\n"), 0o644)
	if _, stderr := mustRun(t, dir, exitBadInput, "-arch", "amd64", "-o", "mine_{arch}.go"); !strings.Contains(stderr, "was not generated by sandboxgen") {
		t.Errorf("overwriting a user file:\n%s", stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "mine_amd64.go")); string(b) != "package main\n" {
		t.Errorf("the user's file was changed: %q", b)
	}
	// -o: the file goes where it says, the old ones go.
	mustRun(t, dir, exitOK, "-arch", "amd64", "-o", "filter_{arch}.go")
	if got := generatedNames(t, dir); !slices.Equal(got, []string{"filter_amd64.go"}) {
		t.Errorf("-o: files %v", got)
	}
}

// TestRunWarnings checks, on the real analysis of two programs at once,
// that a cgo program gets a warning and the runtime's cgo group (clone3
// answered with ENOSYS for libc), and that the warning for a program that
// starts others names the flag that fixes it.
func TestRunWarnings(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no C compiler: the go command builds without cgo")
	}
	here, _ := os.Getwd()
	code, stdout, stderr := runCLI(t, here, "-v", "-why", "clone3,set_robust_list", "-arch", "amd64", "./testdata/src/usescgo", "./testdata/src/execs")
	if code != exitOK || !strings.Contains(stderr, "warning: cgo:") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, section := range strings.Split(stdout, "\n\n") {
		if strings.Contains(section, "usescgo, linux/amd64") && strings.Contains(section, "does not need") {
			t.Errorf("the cgo group is missing:\n%s", section)
		}
	}
	if !strings.Contains(stderr, "warning: exec:") || !strings.Contains(stderr, "pass -exec-child") || strings.Contains(stderr, "set Config.") {
		t.Errorf("the exec warning does not name -exec-child:\n%s", stderr)
	}
}

// TestRunCrossCgo checks that a file for another architecture than the
// host's, which the go command analyses without cgo, still covers a native
// build with cgo when the host's build links cgo: examples/webserver links
// cgo through net on a machine with a C compiler, so its arm64 program must
// have the runtime's cgo group, the libc resolver's syscalls and the cgo
// lookup goroutine's go statement, and say so in a warning. With
// CGO_ENABLED=0 no build links cgo, and nothing is added.
func TestRunCrossCgo(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no C compiler: the go command builds without cgo")
	}
	if runtime.GOARCH != "amd64" {
		t.Skip("the example's files are for amd64 and arm64; this test needs amd64 as the host")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	arm64 := func(stdout string) programReport {
		t.Helper()
		var rep report
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("-json output: %v\n%s", err, stdout)
		}
		for _, p := range rep.Programs {
			if p.Arch == "arm64" {
				return p
			}
		}
		t.Fatalf("no arm64 program in the report")
		return programReport{}
	}
	// The CI command from the repository's root: the checked-in files
	// are current with the options they record (examples/webserver's
	// -deny connect -readonly-fs), and the main packages that never lock
	// (cmd/sandboxgen) are skipped.
	code, stdout, stderr := runCLI(t, root, "-check", "-json", "./...")
	if code != exitOK {
		t.Fatalf("exit %d (the checked-in files must be current):\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "./cmd/sandboxgen") || !strings.Contains(stderr, "never call") {
		t.Errorf("cmd/sandboxgen, which never locks, is not skipped:\n%s", stderr)
	}
	p := arm64(stdout)
	names := map[string]string{}
	for _, s := range p.Syscalls {
		names[s.Name] = s.Origin
	}
	for _, name := range []string{"rseq", "set_robust_list", "clone3"} {
		if _, ok := names[name]; !ok {
			t.Errorf("arm64: %s is missing; allowed: %v", name, names)
		}
	}
	if !p.Features.Cgo || !slices.ContainsFunc(p.Warnings, func(w string) bool { return strings.Contains(w, "cross build") }) {
		t.Errorf("arm64: features %+v, warnings %v; want cgo and a warning about the cross build", p.Features, p.Warnings)
	}
	// The libc resolver runs in the cgo lookup goroutine, which net.Listen
	// may leave running: its syscalls belong to the fallback.
	var lookup []string
	if p.Fallback != nil {
		for _, g := range p.Fallback.Goroutines {
			if strings.Contains(g.Pos, "cgo_unix.go") {
				for _, s := range g.Syscalls {
					lookup = append(lookup, s.Name)
				}
			}
		}
	}
	for _, name := range []string{"sendmmsg", "recvmsg", "ppoll"} {
		if !slices.Contains(lookup, name) {
			t.Errorf("arm64: the cgo lookup goroutine's go statement does not carry %s into the fallback: %v (fallback %+v)", name, lookup, p.Fallback)
		}
	}

}

// TestRunCgoFrom checks that the host's analysis is handed to the other
// architectures' (for what a native build with cgo adds), except with
// CGO_ENABLED=0, where no build links cgo, whether the architectures are
// analysed one after the other or at once.
func TestRunCgoFrom(t *testing.T) {
	calls := canned(t, nil)
	dir := scratchModule(t, map[string]string{"main.go": lockerSource})
	other := "arm64"
	if runtime.GOARCH == "arm64" {
		other = "amd64"
	}
	for _, jobs := range []string{"1", "2"} {
		for _, cgo := range []string{"1", "0"} {
			t.Setenv(envJobs, jobs)
			t.Setenv("CGO_ENABLED", cgo)
			*calls = nil
			mustRun(t, dir, exitOK, "-json", "-arch", "amd64,arm64", ".")
			if len(*calls) != 2 {
				t.Fatalf("jobs %s, CGO_ENABLED=%s: calls %+v, want two", jobs, cgo, *calls)
			}
			if jobs == "1" && (*calls)[0].cfg.GOARCH != runtime.GOARCH {
				t.Fatalf("jobs 1: calls %+v, want the host's first", *calls)
			}
			i := slices.IndexFunc(*calls, func(c cannedCall) bool { return c.cfg.GOARCH == other })
			if i < 0 {
				t.Fatalf("jobs %s: no call for %s: %+v", jobs, other, *calls)
			}
			c := (*calls)[i]
			if (cgo == "1") != (c.cfg.CgoFromLater != nil) || c.cfg.CgoFrom != nil {
				t.Fatalf("jobs %s, CGO_ENABLED=%s: %s analysed with CgoFromLater set: %v", jobs, cgo, c.cfg.GOARCH, c.cfg.CgoFromLater != nil)
			}
			if c.cfg.CgoFromLater != nil && c.cfg.CgoFromLater()["example.com/scratch"] == nil {
				t.Errorf("jobs %s, CGO_ENABLED=%s: the host's analysis is not among the references", jobs, cgo)
			}
		}
	}
}

// TestRunArchesAtOnce: with SANDBOXGEN_JOBS=2 the other architecture's
// analysis starts while the host's still runs, and reads the host's
// results only once it has ended; with SANDBOXGEN_JOBS=1 it starts after.
func TestRunArchesAtOnce(t *testing.T) {
	dir := scratchModule(t, map[string]string{"main.go": lockerSource})
	for _, tt := range []struct {
		jobs       string
		wantAtOnce bool
		wait       time.Duration // how long the host's waits for the other's start
	}{{"2", true, 10 * time.Second}, {"1", false, 300 * time.Millisecond}} {
		t.Run("jobs="+tt.jobs, func(t *testing.T) {
			t.Setenv(envJobs, tt.jobs)
			t.Setenv("CGO_ENABLED", "1")
			saved := analyse
			t.Cleanup(func() { analyse = saved })
			crossStarted := make(chan struct{})
			var hostEnded atomic.Bool
			var atOnce, refsAfterHost atomic.Bool
			analyse = func(cfg analyzer.Config, paths ...string) (*analyzer.Report, error) {
				p, err := cannedProgram(cfg, paths[0])
				if err != nil {
					return nil, err
				}
				if cfg.GOARCH == runtime.GOARCH {
					select {
					case <-crossStarted:
						atOnce.Store(true)
					case <-time.After(tt.wait):
					}
					hostEnded.Store(true)
				} else {
					close(crossStarted)
					if cfg.CgoFromLater != nil {
						refs := cfg.CgoFromLater()
						refsAfterHost.Store(hostEnded.Load() && refs[p.PkgPath] != nil)
					}
				}
				return &analyzer.Report{Programs: []*analyzer.Program{p}}, nil
			}
			mustRun(t, dir, exitOK, "-json", "-arch", "amd64,arm64", ".")
			if atOnce.Load() != tt.wantAtOnce {
				t.Errorf("the architectures ran at once: %v, want %v", atOnce.Load(), tt.wantAtOnce)
			}
			if !refsAfterHost.Load() {
				t.Error("the other architecture read the host's results before the host's analysis ended")
			}
		})
	}
}
