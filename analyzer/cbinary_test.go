package analyzer

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/sandboxgen/sandboxgen/internal/childtest"
)

// requireCgo skips a test of C code analysis where it cannot run.
func requireCgo(t *testing.T) {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skip("the C code analysis disassembles x86-64; this is", runtime.GOARCH)
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed: the test builds a program with C code")
	}
}

// TestCProgram analyses testdata/cwork, whose package cfile makes its
// syscalls in C after Lock, and runs it locked with its filter: the
// syscalls must come from the binary analysis, each with the C function
// that makes it, and the program must run to completion. Without the C
// analysis the same program is killed.
func TestCProgram(t *testing.T) {
	requireCgo(t)
	rep := analyzeCached(t, "cwork", Config{}, "./testdata/cwork")
	prog := programNamed(t, rep, "cwork")
	want := map[string]string{
		"pwrite64": "write_file",
		"fsync":    "write_file",
		"fchown":   "write_file",
		"mremap":   "grow_buffer",
		"uname":    "host_name",
		"unlink":   "remove_file",
	}
	for name, fn := range want {
		n, ok := prog.Need(name)
		if !ok {
			t.Errorf("%s is not in the allow-list %v", name, prog.Names())
			continue
		}
		if !strings.HasPrefix(n.Origin, OriginCPrefix+fn+" → ") {
			t.Errorf("%s: origin %q, want the C function %s", name, n.Origin, fn)
		}
		if len(n.Path) < 3 || n.Path[0] != "C: "+fn || n.Path[len(n.Path)-1] != "syscall "+name {
			t.Errorf("%s: path %q", name, n.Path)
		}
	}
	if len(prog.CLibraries) == 0 || !strings.Contains(prog.CLibraries[0].Path, "libc.so") || prog.CLibraries[0].BuildID == "" {
		t.Errorf("C libraries not recorded: %+v", prog.CLibraries)
	}
	t.Logf("C analysis: %v; %d syscalls with origin %s; warnings: %q", prog.Timings.C, countPrefix(prog, OriginCPrefix), OriginCPrefix, prog.Warnings)

	res := runLockedC(t, prog)
	if res.ExitCode != 0 || !strings.HasPrefix(res.Stdout, "ok") {
		t.Fatalf("locked cwork did not run to completion:\n%s", res)
	}

	// The same program without the C analysis: the filter lacks what
	// the C code needs, and the kernel kills it.
	goOnly, err := Analyze(Config{NoC: true}, "./testdata/cwork")
	if err != nil {
		t.Fatal(err)
	}
	res = runLockedC(t, goOnly.Programs[0])
	if res.ExitCode == 0 {
		t.Fatalf("cwork ran to completion without the C analysis's syscalls: the test proves nothing\n%s", res)
	}
}

// runLockedC builds prog with its filter and runs it.
func runLockedC(t *testing.T, prog *Program) childtest.Result {
	t.Helper()
	bin := buildLocked(t, prog)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "FIXTURE_DIR="+t.TempDir())
	return childtest.RunCommand(t, cmd)
}

// countPrefix counts the needs whose origin starts with prefix.
func countPrefix(prog *Program, prefix string) int {
	n := 0
	for _, s := range prog.Syscalls {
		if strings.HasPrefix(s.Origin, prefix) {
			n++
		}
	}
	return n
}
