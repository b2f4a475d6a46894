// Package childtest runs part of a test in a child process: the test binary
// re-executes itself with -test.run selecting one test and an environment
// marker set. Seccomp filters are one-way, so every test that installs one
// does it in such a child and checks the child's exit status, signal and
// output.
package childtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// marker is the environment variable that tells a re-executed test binary
// it is the child; its value is the name of the test that started it.
const marker = "SANDBOXGEN_CHILDTEST"

// InChild reports whether this process is a child started by Run for the
// running test t.
func InChild(t testing.TB) bool {
	return os.Getenv(marker) == t.Name()
}

// Result is how a child process ended.
type Result struct {
	ExitCode int            // -1 when killed by a signal
	Signal   syscall.Signal // 0 unless killed by a signal
	Stdout   string
	Stderr   string
}

// String summarises the result for failure messages.
func (r Result) String() string {
	how := fmt.Sprintf("exit code %d", r.ExitCode)
	if r.Signal != 0 {
		how = "signal " + r.Signal.String()
	}
	return fmt.Sprintf("child ended with %s\n--- stdout:\n%s\n--- stderr:\n%s", how, r.Stdout, r.Stderr)
}

// Run re-executes the test binary to run only t's test (t.Name()) with the
// marker set and extra environment variables env ("K=V"), and waits for it
// (at most timeout; zero means 60 s). It fails t if the child cannot be
// started or times out.
func Run(t testing.TB, timeout time.Duration, env ...string) Result {
	t.Helper()
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	pattern := "^" + regexp.QuoteMeta(strings.Split(t.Name(), "/")[0]) + "$"
	args := []string{"-test.run=" + pattern, "-test.count=1", "-test.v"}
	if strings.Contains(t.Name(), "/") {
		parts := strings.Split(t.Name(), "/")
		for i := range parts {
			parts[i] = "^" + regexp.QuoteMeta(parts[i]) + "$"
		}
		args[0] = "-test.run=" + strings.Join(parts, "/")
	}
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), marker+"="+t.Name()), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("child %s timed out after %v\nstdout:\n%s\nstderr:\n%s", t.Name(), timeout, stdout.String(), stderr.String())
	}
	return resultOf(t, cmd, err, stdout.String(), stderr.String())
}

// RunCommand runs cmd (whose Stdout and Stderr must be unset) and returns
// how it ended. A non-zero exit or a signal is a Result, not an error.
func RunCommand(t testing.TB, cmd *exec.Cmd) Result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return resultOf(t, cmd, err, stdout.String(), stderr.String())
}

func resultOf(t testing.TB, cmd *exec.Cmd, err error, stdout, stderr string) Result {
	t.Helper()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("running %v: %v", cmd.Args, err)
	}
	r := Result{Stdout: stdout, Stderr: stderr}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case ws.Signaled():
		r.ExitCode, r.Signal = -1, ws.Signal()
	default:
		r.ExitCode = ws.ExitStatus()
	}
	return r
}
