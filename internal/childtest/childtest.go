// Package childtest runs part of a test in a child process: the test binary
// re-executes itself with -test.run selecting one test and an environment
// marker set. Seccomp filters are one-way, so every test that installs one
// does it in such a child and checks the child's exit status, signal and
// output.
package childtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
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
	// TimedOut is the limit the child overran when RunCommandTimeout
	// had to stop it, and zero otherwise.
	TimedOut time.Duration
}

// String summarises the result for failure messages. For a child that
// timed out it leads with the goroutine states of the stack dump the
// child printed on SIGQUIT, because the full dump of a busy program is
// too long to read in a CI log.
func (r Result) String() string {
	how := fmt.Sprintf("exit code %d", r.ExitCode)
	if r.Signal != 0 {
		how = "signal " + r.Signal.String()
	}
	if r.TimedOut != 0 {
		return fmt.Sprintf("child did not end within %v; stopped with SIGQUIT, it ended with %s\n%s\n--- stdout:\n%s\n--- stderr:\n%s",
			r.TimedOut, how, dumpSummary(r.Stderr), r.Stdout, r.Stderr)
	}
	return fmt.Sprintf("child ended with %s\n--- stdout:\n%s\n--- stderr:\n%s", how, r.Stdout, r.Stderr)
}

// goroutineHeader matches the first line of each goroutine in a Go stack
// dump: "goroutine 7 gp=0x... m=nil [chan receive, 2 minutes]:".
var goroutineHeader = regexp.MustCompile(`(?m)^goroutine \d+ .*?\[([^\],]+)[^\]]*\]:$`)

// dumpSummary counts the goroutines of a Go stack dump in stderr by state
// and quotes the dump's first 60 lines, or says that there is no dump (a
// child that ignores SIGQUIT, or a runtime stuck before it could print
// one).
func dumpSummary(stderr string) string {
	i := strings.LastIndex(stderr, "SIGQUIT: quit")
	if i < 0 {
		return "--- no stack dump: the child did not answer SIGQUIT"
	}
	dump := stderr[i:]
	states := map[string]int{}
	for _, m := range goroutineHeader.FindAllStringSubmatch(dump, -1) {
		states[m[1]]++
	}
	names := make([]string, 0, len(states))
	for s := range states {
		names = append(names, s)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString("--- goroutines by state at SIGQUIT:")
	for _, s := range names {
		fmt.Fprintf(&b, " %s×%d", s, states[s])
	}
	// The dump starts with the thread that took the signal and the
	// goroutine it was running: where the runtime itself was.
	lines := strings.Split(dump, "\n")
	if len(lines) > 60 {
		lines = lines[:60]
	}
	b.WriteString("\n--- start of the dump:\n")
	b.WriteString(strings.Join(lines, "\n"))
	return b.String()
}

// Run re-executes the test binary to run only t's test (t.Name()) with the
// marker set and extra environment variables env ("K=V"), and waits for it
// (at most timeout; zero means 60 s). It fails t if the child cannot be
// started or times out; a child that times out is stopped as
// RunCommandTimeout does, so the failure shows its goroutines.
func Run(t testing.TB, timeout time.Duration, env ...string) Result {
	t.Helper()
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	pattern := "^" + regexp.QuoteMeta(strings.Split(t.Name(), "/")[0]) + "$"
	args := []string{"-test.run=" + pattern, "-test.count=1", "-test.v"}
	if strings.Contains(t.Name(), "/") {
		parts := strings.Split(t.Name(), "/")
		for i := range parts {
			parts[i] = "^" + regexp.QuoteMeta(parts[i]) + "$"
		}
		args[0] = "-test.run=" + strings.Join(parts, "/")
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), marker+"="+t.Name()), env...)
	r := RunCommandTimeout(t, cmd, timeout)
	if r.TimedOut != 0 {
		t.Fatalf("child %s: %v", t.Name(), r)
	}
	return r
}

// RunCommand runs cmd (whose Stdout and Stderr must be unset) and returns
// how it ended. A non-zero exit or a signal is a Result, not an error.
func RunCommand(t testing.TB, cmd *exec.Cmd) Result {
	t.Helper()
	return RunCommandTimeout(t, cmd, 0)
}

// RunCommandTimeout is RunCommand for a child that must end within
// timeout (zero: no limit). One that does not is sent SIGQUIT, which makes
// a Go program print every goroutine's stack and exit, and SIGKILL ten
// seconds later; the Result then has TimedOut set. Children are Go
// programs, so a hang shows where it is instead of only that it happened.
func RunCommandTimeout(t testing.TB, cmd *exec.Cmd, timeout time.Duration) Result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %v: %v", cmd.Args, err)
	}
	done := make(chan struct{})
	timedOut := make(chan bool, 1)
	go func() {
		var expired <-chan time.Time
		if timeout > 0 {
			expired = time.After(timeout)
		}
		select {
		case <-done:
			timedOut <- false
			return
		case <-expired:
		}
		cmd.Process.Signal(syscall.SIGQUIT)
		timedOut <- true
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	}()
	err := cmd.Wait()
	close(done)
	r := resultOf(t, cmd, err, stdout.String(), stderr.String())
	if <-timedOut {
		r.TimedOut = timeout
	}
	return r
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
