package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sandboxgen/sandboxgen/internal/childtest"
)

func TestReadAllowList(t *testing.T) {
	names, err := readAllowList("../../examples/webserver/sandbox_linux_amd64.go")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names, "accept4") || !slices.Contains(names, "futex") || !slices.IsSorted(names) {
		t.Errorf("allow-list of the example lacks accept4 or futex, or is not sorted: %v", names)
	}
	if slices.Contains(names, "connect") {
		t.Errorf("allow-list of the example has connect, which only its Fallback or nothing allows: %v", names)
	}
	for _, bad := range []string{"testdata/no-such-file.go", "testdata/src/hello/main.go"} {
		if _, err := readAllowList(bad); err == nil {
			t.Errorf("readAllowList(%s): no error", bad)
		}
	}
}

func TestComparePolicy(t *testing.T) {
	rep := &traceReport{Locked: true, Executables: []traceExecutable{
		{Exe: "/srv/prog", Program: true, Arch: runtime.GOARCH, Syscalls: []traceSyscall{
			{Name: "openat", Before: 3}, {Name: "read", Before: 1, After: 4}, {Name: "socket", After: 1},
		}},
		{Exe: "/usr/bin/sort", Arch: runtime.GOARCH, Syscalls: []traceSyscall{{Name: "read", After: 2}, {Name: "sysinfo", After: 1}, {Name: "socket", After: 1}, {Name: "clone3", Before: 3, After: 2, ENOSYS: 2}, {Name: "pidfd_open", After: 2, ENOSYS: 1}}},
		{Exe: "/usr/bin/tr", Arch: runtime.GOARCH, Syscalls: []traceSyscall{{Name: "clone3", After: 1, ENOSYS: 1}}},
		{Exe: "/usr/bin/old32", Arch: "other", Syscalls: []traceSyscall{{Name: "open", After: 2}}},
	}}
	got := comparePolicy(rep, "f.go", []string{"futex", "openat", "read"})
	want := &tracePolicy{File: "f.go", Arch: runtime.GOARCH,
		Missing:  []traceMissing{{"pidfd_open", []string{"/usr/bin/sort"}}, {"socket", []string{"/usr/bin/sort", "program"}}, {"sysinfo", []string{"/usr/bin/sort"}}},
		Answered: []traceMissing{{"clone3", []string{"/usr/bin/sort", "/usr/bin/tr"}}},
		Unused:   []string{"futex", "openat"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("comparePolicy:\n got %+v\nwant %+v", got, want)
	}
}

func TestTraceShell(t *testing.T) {
	out := filepath.Join(t.TempDir(), "trace.json")
	var stdout, stderr bytes.Buffer
	if code := runTrace([]string{"-json", "-o", out, "--", "/bin/sh", "-c", "ls / >/dev/null; exit 3"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("trace: exit %d: %s", code, stderr.String())
	}
	var rep traceReport
	if err := json.Unmarshal([]byte(mustRead(t, out)), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.ExitCode != 3 || rep.Locked {
		t.Errorf("exit code %d, locked %v; want 3, false", rep.ExitCode, rep.Locked)
	}
	var ls *traceExecutable
	for i, e := range rep.Executables {
		if strings.HasSuffix(e.Exe, "/ls") {
			ls = &rep.Executables[i]
		}
	}
	if ls == nil || ls.Program || !slices.ContainsFunc(ls.Syscalls, func(s traceSyscall) bool { return s.Name == "getdents64" && s.After > 0 && s.Before == 0 }) {
		t.Errorf("trace has no child ls with getdents64 counted after start: %+v", rep.Executables)
	}

	var none bytes.Buffer
	if code := runTrace([]string{"--"}, &none, &none); code != exitBadInput {
		t.Errorf("trace without a command: exit %d, want %d", code, exitBadInput)
	}
	if code := runTrace([]string{"-pkg", t.TempDir(), "--", "/bin/true"}, &none, &none); code != exitBadInput || !strings.Contains(none.String(), "run sandboxgen in") {
		t.Errorf("trace -pkg of a directory without a generated file: exit %d, %s", code, none.String())
	}
}

// TestTraceSIGTERM sends SIGTERM to a process running trace: trace passes
// it on to the command and still prints its report.
func TestTraceSIGTERM(t *testing.T) {
	if childtest.InChild(t) {
		os.Exit(run([]string{"trace", "--", "/bin/sh", "-c", "echo started; exec sleep 30"}, os.Stdout, os.Stderr))
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestTraceSIGTERM$")
	// childtest.Run waits for the child; this test must signal it while
	// it runs, so it sets childtest's marker itself.
	cmd.Env = append(os.Environ(), "SANDBOXGEN_CHILDTEST="+t.Name())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "started\n" {
		t.Fatalf("the traced command did not start: %q, %v", line, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(out)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("trace ended with %v after SIGTERM; output:\n%s", err, rest)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("trace did not end within 20 s of SIGTERM")
	}
	if !strings.Contains(string(rest), "killed by SIGTERM") || !strings.Contains(string(rest), "program /") {
		t.Errorf("trace's report after SIGTERM does not say the command was killed by it:\n%s", rest)
	}
}
