package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sandboxgen/sandboxgen/internal/childtest"
)

// shelloutPipeline is what testdata/children/shellout runs after Lock by
// default.
const shelloutPipeline = "ls -l / | sort | wc -l; sleep 0.1; date"

// TestChildrenLearnedAndPreset is the loop a user with children goes
// through. The shellout program runs a shell pipeline after Lock:
// generated with -exec-child alone, the shell is killed in enforce mode;
// sandboxgen trace -write of a log-mode run learns what the children need,
// and after regenerating and rebuilding it runs in enforce mode. So does a
// Go child that reads a file and listens on TCP, learned the same way. The
// same
// program generated with -exec-child=shell and nothing learned runs too,
// as does the preset's whole measured workload under dash and bash.
func TestChildrenLearnedAndPreset(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses and builds a program three times")
	}
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	dir := fixtureModule(t)
	src, err := os.ReadFile("testdata/children/shellout/main.go")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	// A Go child that reads a file and listens on TCP, which the parent
	// starts in place of the shell.
	childSrc, err := os.ReadFile("testdata/children/gochild/main.go")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "gochild"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "gochild", "main.go"), childSrc, 0o644); err != nil {
		t.Fatal(err)
	}
	buildChild := exec.Command("go", "build", "-o", "gochild.bin", "./gochild")
	buildChild.Dir = dir
	if out, err := buildChild.CombinedOutput(); err != nil {
		t.Fatalf("go build ./gochild: %v\n%s", err, out)
	}
	goChild := []string{"SHELLOUT_SHELL=" + filepath.Join(dir, "gochild.bin"), "SHELLOUT_SCRIPT=" + filepath.Join(dir, "go.mod")}
	goMod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	wantGoChild := "read " + strconv.Itoa(len(goMod)) + " bytes; echo hello\n"
	workload, err := os.ReadFile("testdata/children/shell-workload.sh")
	if err != nil {
		t.Fatal(err)
	}
	want := expectedLines(t)

	generate := func(args ...string) {
		t.Helper()
		code, _, stderr := runCLI(t, dir, append([]string{"-arch", runtime.GOARCH}, append(args, ".")...)...)
		if code != exitOK {
			t.Fatalf("sandboxgen %v: exit %d:\n%s", args, code, stderr)
		}
		build := exec.Command("go", "build", "-o", "prog", ".")
		build.Dir = dir
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	prog := filepath.Join(dir, "prog")
	enforce := func(env ...string) childtest.Result {
		t.Helper()
		cmd := exec.Command(prog)
		cmd.Env = append(withoutMode(os.Environ()), env...)
		return childtest.RunCommand(t, cmd)
	}

	// 1. -exec-child alone: the shell is killed for vfork and the
	// utilities for what they need beyond starting.
	generate("-exec-child")
	r := enforce()
	if r.ExitCode != 1 || !strings.Contains(r.Stderr, "shell: signal: bad system call") {
		t.Fatalf("with -exec-child alone the shell should be killed by the filter (SIGSYS), but:\n%s", r)
	}
	if r = enforce(goChild...); r.ExitCode != 1 || !strings.Contains(r.Stderr, "shell: signal: bad system call") {
		t.Fatalf("with -exec-child alone the Go child that listens should be killed by the filter (SIGSYS), but:\n%s", r)
	}

	// 2. Learn from a log-mode run under trace.
	t.Setenv("SELFSANDBOX_MODE", "log")
	var stdout, stderr bytes.Buffer
	if code := runTrace([]string{"-write", "-pkg", dir, "--", prog}, &stdout, &stderr); code != exitOK {
		t.Fatalf("trace -write: exit %d:\n%s", code, stderr.String())
	}
	for _, kv := range goChild {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	stdout.Reset()
	if code := runTrace([]string{"-write", "-pkg", dir, "--", prog}, &stdout, &stderr); code != exitOK {
		t.Fatalf("trace -write of the Go child: exit %d:\n%s", code, stderr.String())
	}
	for _, e := range []string{"SELFSANDBOX_MODE", "SHELLOUT_SHELL", "SHELLOUT_SCRIPT"} {
		os.Unsetenv(e)
	}
	learned := mustRead(t, filepath.Join(dir, learnedFile))
	dash, _ := filepath.EvalSymlinks("/bin/sh")
	if !strings.Contains(stdout.String(), "made after Lock but not allowed") || !strings.Contains(stderr.String(), "added statfs") {
		t.Errorf("trace -write does not report what is missing and what it adds:\n%s\n%s", stdout.String(), stderr.String())
	}
	if strings.HasSuffix(dash, "/dash") && !strings.Contains(learned, "vfork") {
		t.Errorf("%s lacks dash's vfork:\n%s", learnedFile, learned)
	}

	// 3. Regenerate and rebuild: it runs in enforce mode.
	generate("-exec-child")
	r = enforce()
	if r.ExitCode != 0 {
		t.Fatalf("after learning, the program fails in enforce mode:\n%s\n%s", r, learned)
	}
	checkPipelineOutput(t, r.Stdout, want)
	if r = enforce(goChild...); r.ExitCode != 0 || r.Stdout != wantGoChild {
		t.Fatalf("after learning, the Go child fails in enforce mode (want output %q):\n%s\n%s", wantGoChild, r, learned)
	}
	learned = mustRead(t, filepath.Join(dir, learnedFile))
	for _, name := range []string{"listen", "bind", "socket"} {
		if !strings.Contains(learned, name) {
			t.Errorf("%s lacks the Go child's %s:\n%s", learnedFile, name, learned)
		}
	}

	// 4. The shell preset without learning.
	if err := os.Remove(filepath.Join(dir, learnedFile)); err != nil {
		t.Fatal(err)
	}
	generate("-exec-child=shell")
	r = enforce()
	if r.ExitCode != 0 {
		t.Fatalf("with -exec-child=shell the program fails in enforce mode:\n%s", r)
	}
	checkPipelineOutput(t, r.Stdout, want)
	for _, sh := range []string{"/bin/dash", "/bin/bash"} {
		if _, err := os.Stat(sh); err != nil {
			t.Logf("no %s: not tried", sh)
			continue
		}
		r = enforce("SHELLOUT_SHELL="+sh, "SHELLOUT_SCRIPT="+string(workload))
		if r.ExitCode != 0 || !strings.HasSuffix(r.Stdout, "done\n") {
			t.Errorf("the preset's workload under %s fails in enforce mode:\n%s", sh, r)
		}
	}
}

// expectedLines runs the pipeline's first part unsandboxed, for the line
// count the program must print.
func expectedLines(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("/bin/sh", "-c", "ls -l / | sort | wc -l").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func checkPipelineOutput(t *testing.T, stdout, lines string) {
	t.Helper()
	got := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	year := strconv.Itoa(time.Now().Year())
	if len(got) != 2 || strings.TrimSpace(got[0]) != lines || !strings.Contains(got[1], year) {
		t.Errorf("output of %q: %q, want %s lines and a date of %s", shelloutPipeline, stdout, lines, year)
	}
}

// withoutMode drops SELFSANDBOX_MODE, so the program runs as generated.
func withoutMode(env []string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, "SELFSANDBOX_MODE=") {
			out = append(out, e)
		}
	}
	return out
}
