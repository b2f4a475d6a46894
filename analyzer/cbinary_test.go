package analyzer

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sandboxgen/sandboxgen/internal/childtest"
	"github.com/sandboxgen/sandboxgen/internal/elfsyscalls"
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

// TestSQLiteProgram analyses testdata/sqlite (its own module, which
// requires github.com/mattn/go-sqlite3), and runs it locked with its
// filter: SQLite's C code creates a database, inserts 10,000 rows in a
// transaction and runs a GROUP BY, all after Lock. Compiling SQLite takes
// a minute or two the first time, so -short skips it.
func TestSQLiteProgram(t *testing.T) {
	requireCgo(t)
	if testing.Short() {
		t.Skip("-short: compiling SQLite takes minutes")
	}
	if os.Geteuid() != 0 {
		t.Log("not root: SQLite does not fchown its journal, so that path is not exercised")
	}
	cfg := Config{Dir: "testdata/sqlite"}
	rep, err := Analyze(cfg, ".")
	if err != nil {
		t.Fatal(err)
	}
	prog := rep.Programs[0]
	for _, name := range []string{"pwrite64", "fsync", "fchown", "unlink", "mremap"} {
		n, ok := prog.Need(name)
		if !ok {
			t.Errorf("%s is not in the allow-list %v", name, prog.Names())
		} else if !strings.HasPrefix(n.Origin, OriginCPrefix) {
			t.Errorf("%s: origin %q, want the C code's", name, n.Origin)
		}
	}
	res := runLockedC(t, prog)
	if res.ExitCode != 0 || !strings.HasPrefix(res.Stdout, "ok") {
		t.Fatalf("locked sqlite did not run to completion:\n%s", res)
	}

	// The figures the documentation quotes: what the C part adds against
	// everything libc can make, and the analysis time with the library
	// cache warm (this run's) against the Go-only analysis.
	var libc string
	for _, l := range prog.CLibraries {
		if l.Soname == "libc.so.6" {
			libc = l.Path
		}
	}
	all, err := elfsyscalls.LibrarySyscalls(libc, elfsyscalls.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.NoC = true
	goOnly, err := Analyze(cfg, ".")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("SQLite program: %d syscalls allowed, %d of them from the C analysis (origin %s); %s has %d resolved syscall numbers in all",
		len(prog.Syscalls), countPrefix(prog, OriginCPrefix), OriginCPrefix, libc, len(all))
	t.Logf("analysis time: %v with the C analysis (of which %v building with cgo and reading the binary), %v without",
		prog.Timings.Total, prog.Timings.C, goOnly.Programs[0].Timings.Total)
}

// TestCResultKey: the key of the cached C analysis changes with the C code
// of the program (a cgo preamble) and with the environment of the link,
// and stays the same when nothing changed, so that a cached result is
// never taken for a program whose C code is another.
func TestCResultKey(t *testing.T) {
	requireCgo(t)
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/ckey\n\ngo 1.26.0\n")
	write("main.go", "package main\n\nfunc main() { println(cValue()) }\n")
	cgoFile := func(body string) string {
		return "package main\n\n/*\nstatic int value(void) { " + body + " }\n*/\nimport \"C\"\n\nfunc cValue() int { return int(C.value()) }\n"
	}
	write("c.go", cgoFile("return 1;"))
	a := &analysis{program: &program{goarch: "amd64"}}
	key := func(a *analysis) string {
		t.Helper()
		k, err := a.cResultKey(dir)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	first := key(a)
	if again := key(a); again != first {
		t.Fatalf("the key changed without a change:\n%q\n%q", first, again)
	}
	write("c.go", cgoFile("return 2;"))
	if changed := key(a); changed == first {
		t.Error("the key did not change with the C code")
	}
	withFlags := &analysis{cfg: Config{Env: []string{"CGO_LDFLAGS=-Wl,-z,now"}}, program: &program{goarch: "amd64"}}
	if flagged := key(withFlags); flagged == key(a) {
		t.Error("the key did not change with CGO_LDFLAGS")
	}
}
