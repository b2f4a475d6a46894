package childtest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRunExitCode(t *testing.T) {
	if InChild(t) {
		fmt.Println("hello from child")
		fmt.Fprintln(os.Stderr, "to stderr")
		os.Exit(7)
	}
	r := Run(t, 0)
	if r.ExitCode != 7 || r.Signal != 0 {
		t.Fatalf("want exit 7: %v", r)
	}
	if r.Stdout == "" || r.Stderr != "to stderr\n" {
		t.Fatalf("output not captured: %v", r)
	}
}

func TestRunSignal(t *testing.T) {
	if InChild(t) {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	r := Run(t, 0)
	if r.Signal != syscall.SIGKILL || r.ExitCode != -1 {
		t.Fatalf("want SIGKILL: %v", r)
	}
}

func TestRunSubtest(t *testing.T) {
	for _, code := range []int{3, 4} {
		t.Run(fmt.Sprint("code", code), func(t *testing.T) {
			if InChild(t) {
				os.Exit(code)
			}
			if r := Run(t, 0, "X=1"); r.ExitCode != code {
				t.Fatalf("want exit %d: %v", code, r)
			}
		})
	}
}

// TestRunCommandTimeout checks that a hung child is stopped with SIGQUIT and
// that the failure message leads with its goroutines' states; a child that
// ends in time is not marked.
func TestRunCommandTimeout(t *testing.T) {
	if InChild(t) {
		if os.Getenv("HANG") != "" {
			for range 3 {
				go func() { select {} }()
			}
			time.Sleep(time.Hour)
		}
		os.Exit(0)
	}
	child := func(env ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRunCommandTimeout$")
		cmd.Env = append(os.Environ(), append([]string{marker + "=" + t.Name()}, env...)...)
		return cmd
	}
	r := RunCommandTimeout(t, child("HANG=1"), 2*time.Second)
	if r.TimedOut != 2*time.Second || r.ExitCode != 2 {
		t.Fatalf("want a timed-out child that exited 2 on SIGQUIT: %+v", r)
	}
	msg := r.String()
	for _, want := range []string{"did not end within 2s", "select (no cases)×3", "sleep×1", "goroutine "} {
		if !strings.Contains(msg, want) {
			t.Errorf("summary lacks %q:\n%.2000s", want, msg)
		}
	}
	if r := RunCommandTimeout(t, child(), time.Minute); r.TimedOut != 0 || r.ExitCode != 0 {
		t.Fatalf("a child that ends in time is marked: %+v", r)
	}
}
