package analyzer

import (
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sandboxgen/sandboxgen/internal/proctrace"
	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// timingSyscalls are the runtime's syscalls whose presence in one run
// depends on timing (a GC cycle, a preemption, a sleep cut short by a
// signal), so two runs of the same workload may differ in them.
var timingSyscalls = []string{"clock_gettime", "futex", "getpid", "gettid", "madvise", "mmap", "munmap", "nanosleep", "restart_syscall", "rt_sigreturn", "sched_yield", "tgkill", "clone", "exit", "set_robust_list", "rseq", "sigaltstack", "rt_sigprocmask"}

// TestWebserverTraceAgrees runs the precision workload on the example
// server twice, once under strace and once under sandboxgen trace's
// tracer (internal/proctrace), and checks that both see the same syscalls
// after Lock, but for the runtime's timing-dependent ones: so trace's
// "allowed but never made" list is the precision test's "allowed but not
// seen" list. Opt-in like the precision test (-webserver-precision).
func TestWebserverTraceAgrees(t *testing.T) {
	prog, bin, root := lockedWebserver(t)
	table, err := systable.Lookup(prog.GOARCH)
	if err != nil {
		t.Fatal(err)
	}

	serve := func(start func(args []string) (pid int, wait func())) {
		port := freePort(t)
		base := fmt.Sprintf("127.0.0.1:%d", port)
		pid, wait := start([]string{"-addr", base, "-root", root})
		for begin := time.Now(); ; time.Sleep(50 * time.Millisecond) {
			resp, err := http.Get("http://" + base + "/api/status")
			if err == nil {
				resp.Body.Close()
				break
			}
			if time.Since(begin) > 20*time.Second {
				t.Fatalf("webserver does not answer: %v", err)
			}
		}
		if _, err := serveWorkload(base, webserverWorkload); err != nil {
			t.Fatalf("workload: %v", err)
		}
		syscall.Kill(pid, syscall.SIGTERM)
		wait()
	}

	// strace.
	var straced map[string]int
	serve(func(args []string) (int, func()) {
		log := filepath.Join(t.TempDir(), "strace.log")
		cmd := exec.Command("strace", append([]string{"-f", "-qq", "-o", log, bin}, args...)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		return childOf(t, cmd.Process.Pid), func() {
			cmd.Wait()
			straced = straceLog(t, log)
		}
	})

	// sandboxgen trace's tracer.
	traced := map[string]int{}
	serve(func(args []string) (int, func()) {
		started := make(chan int, 1)
		done := make(chan *proctrace.Result, 1)
		go func() {
			res, err := proctrace.Run(proctrace.Command{Path: bin, Args: append([]string{bin}, args...), Started: func(pid int) { started <- pid }})
			if err != nil {
				t.Errorf("trace: %v", err)
			}
			done <- res
		}()
		pid := <-started
		return pid, func() {
			res := <-done
			if res == nil {
				t.FailNow()
			}
			if !res.Locked || res.ExitCode != 0 {
				t.Fatalf("traced server: locked %v, exit %d, signal %d", res.Locked, res.ExitCode, res.Signal)
			}
			for _, c := range res.Counts {
				if !c.Program || c.After == 0 || c.AuditArch != table.AuditArch {
					continue
				}
				if name, ok := table.Name(c.Nr); ok {
					traced[name] += c.After
				}
			}
		}
	})

	var onlyStrace, onlyTrace []string
	for name := range straced {
		if traced[name] == 0 && !slices.Contains(timingSyscalls, name) {
			onlyStrace = append(onlyStrace, name)
		}
	}
	for name := range traced {
		if straced[name] == 0 && !slices.Contains(timingSyscalls, name) {
			onlyTrace = append(onlyTrace, name)
		}
	}
	sort.Strings(onlyStrace)
	sort.Strings(onlyTrace)
	if len(onlyStrace) > 0 || len(onlyTrace) > 0 {
		t.Errorf("strace and trace disagree on what the server made after Lock: only strace %v, only trace %v", onlyStrace, onlyTrace)
	}
	var unused []string
	for _, n := range prog.Syscalls {
		if traced[n.Name] == 0 {
			unused = append(unused, n.Name)
		}
	}
	t.Logf("strace saw %d syscalls after Lock, trace %d; allowed but never made (trace): %s", len(straced), len(traced), strings.Join(unused, " "))
}
