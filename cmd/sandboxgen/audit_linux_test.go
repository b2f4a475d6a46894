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
	// Every syscall but the probes is allowed, so the filter covers a
	// build with cgo too (this test binary links runtime/cgo).
	selfsandbox.Register(prog.Selfsandbox(gen.Metadata{GoVersion: runtime.Version(), Cgo: true}))
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
