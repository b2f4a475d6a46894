package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/auditlog"
	"github.com/sandboxgen/sandboxgen/internal/childtest"
	"github.com/sandboxgen/sandboxgen/internal/systable"
	"github.com/sandboxgen/sandboxgen/selfsandbox"
	"golang.org/x/sys/unix"
)

func TestAuditFile(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := runAudit([]string{"testdata/audit/records.txt"}, nil, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("audit: exit %d, stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"/usr/bin/sort (amd64):\n  fadvise64  221  log  2\n  -allow fadvise64\n",
		"/srv/prog (arm64):\n  openat  56  errno  1\n  -allow openat\n",
		"/opt/my prog (amd64):\n  socket  41  trap  1\n",
		"all executables (amd64): -allow brk,epoll_pwait,fadvise64,socket,statfs\n",
		"all executables (arm64): -allow openat\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("audit output lacks %q:\n%s", want, out)
		}
	}

	stdout.Reset()
	code = runAudit([]string{"-exe", "sort", "-"}, strings.NewReader(mustRead(t, "testdata/audit/records.txt")), &stdout, &stderr)
	if code != exitOK || stdout.String() != "/usr/bin/sort (amd64):\n  fadvise64  221  log  2\n  -allow fadvise64\n" {
		t.Errorf("audit -exe sort -: exit %d, output:\n%s", code, stdout.String())
	}
}

func TestAuditBadInput(t *testing.T) {
	for _, args := range [][]string{{"a", "b"}, {"testdata/audit/no-such-file"}, {"-nosuchflag"}} {
		var stdout, stderr bytes.Buffer
		if code := runAudit(args, nil, &stdout, &stderr); code != exitBadInput {
			t.Errorf("audit %q: exit %d, want %d", args, code, exitBadInput)
		}
		if stderr.Len() == 0 {
			t.Errorf("audit %q: no message on stderr", args)
		}
	}
}

func TestAuditWrite(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := runAudit([]string{"-write", "-pkg", dir, "-exe", "/usr/bin/sort", "testdata/audit/records.txt"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("audit -write: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "added fadvise64 (/usr/bin/sort)") {
		t.Errorf("audit -write does not say what it added:\n%s", stdout.String())
	}
	got := mustRead(t, filepath.Join(dir, learnedFile))
	if want := learnedHeader + "\nfadvise64            /usr/bin/sort             # audit on amd64\n"; got != want {
		t.Errorf("learned file:\n%s\nwant\n%s", got, want)
	}
	stdout.Reset()
	if code := runAudit([]string{"-write", "-pkg", dir, "-exe", "sort", "testdata/audit/records.txt"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("second audit -write: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "nothing new") || mustRead(t, filepath.Join(dir, learnedFile)) != got {
		t.Errorf("a second audit -write of the same records changed the file or did not say so:\n%s", stdout.String())
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// auditProbes are the syscalls the log-mode child makes that its filter
// leaves out: rare enough that nothing else in the child makes them.
var auditProbes = []string{"getpriority", "sysinfo"}

// TestAuditKernelLog runs a child locked in log mode that makes two
// syscalls its filter leaves out, reads the kernel's records back from the
// kernel log and checks that audit names both.
func TestAuditKernelLog(t *testing.T) {
	if childtest.InChild(t) {
		logModeChild()
		return
	}
	if runtime.GOOS != "linux" {
		t.Skip("seccomp is Linux only")
	}
	if _, err := auditlog.ReadKernelLog(); err != nil {
		t.Skipf("the kernel log is not readable here, so the records cannot be read back: %v", err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The kernel rate-limits audit records (about 10 per 5 s, shared with
	// every other process), so a second try after the limit's window.
	var out string
	for try := 0; try < 2; try++ {
		if try > 0 {
			time.Sleep(6 * time.Second)
		}
		r := childtest.Run(t, 0)
		if r.ExitCode != 0 || !strings.Contains(r.Stdout, "probed") {
			t.Fatalf("the log-mode child failed:\n%s", r)
		}
		time.Sleep(100 * time.Millisecond)
		klog, err := auditlog.ReadKernelLog()
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "kmsg.txt")
		if err := os.WriteFile(file, klog, 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		if code := runAudit([]string{"-exe", exe, file}, nil, &stdout, &stderr); code != exitOK {
			t.Fatalf("audit: exit %d: %s", code, stderr.String())
		}
		out = stdout.String()
		if strings.Contains(out, "-allow "+strings.Join(auditProbes, ",")) {
			break
		}
	}
	for _, p := range auditProbes {
		if !strings.Contains(out, "  "+p+"  ") || !strings.Contains(out, " log ") {
			t.Errorf("audit of the kernel log does not name %s as logged:\n%s", p, out)
		}
	}
	if !strings.Contains(out, "-allow "+strings.Join(auditProbes, ",")) {
		t.Errorf("audit of the kernel log gives no -allow line for %v:\n%s", auditProbes, out)
	}
}

// logModeChild locks itself with a log-mode filter that allows every
// syscall but the probes, makes the probes and exits 0.
func logModeChild() {
	table, err := systable.Lookup(runtime.GOARCH)
	if err != nil {
		panic(err)
	}
	pol := gen.Policy{Arch: runtime.GOARCH, Default: gen.Log, Syscalls: map[string][]gen.Rule{}}
	for _, s := range table.Syscalls() {
		pol.Syscalls[s.Name] = []gen.Rule{{Action: gen.Allow}}
	}
	for _, p := range auditProbes {
		delete(pol.Syscalls, p)
	}
	prog, err := gen.Compile(pol)
	if err != nil {
		panic(err)
	}
	selfsandbox.Register(prog.Selfsandbox(gen.Metadata{GoVersion: runtime.Version()}))
	if err := selfsandbox.Lock(); err != nil {
		panic(err)
	}
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		panic(err)
	}
	if _, err := unix.Getpriority(unix.PRIO_PROCESS, 0); err != nil {
		panic(err)
	}
	os.Stdout.WriteString("probed\n")
	os.Exit(0)
}
