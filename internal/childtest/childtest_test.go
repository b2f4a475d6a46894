package childtest

import (
	"fmt"
	"os"
	"syscall"
	"testing"
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
