package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The end-to-end test: the checked-in filters are current, the server locks
// itself, serves under the filter on every thread, and the sandbox stops the
// demonstration endpoint's compromised handler in each mode.

// generateArgs returns the sandboxgen arguments of main.go's //go:generate
// line, so the test checks exactly what go generate writes.
func generateArgs(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^//go:generate go tool sandboxgen(.*)$`).FindSubmatch(src)
	if m == nil {
		t.Fatal("main.go has no //go:generate line running sandboxgen")
	}
	return strings.Fields(string(m[1]))
}

// build compiles the command in dir (relative to this package) into tmp.
func build(t *testing.T, tmp, name, pkg string, flags ...string) string {
	t.Helper()
	out := filepath.Join(tmp, name)
	args := append(append([]string{"build", "-o", out}, flags...), pkg)
	if b, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return out
}

// child is a running webserver process.
type child struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string
	log  *syncLog
	done chan struct{}
}

func start(t *testing.T, bin string, env []string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0", "-root", "static"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &child{t: t, cmd: cmd, log: &syncLog{}, done: make(chan struct{})}
	cmd.Stderr = s.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-s.done
		}
	})
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening on http://"); ok {
				addrc <- a
			}
		}
		io.Copy(io.Discard, stdout)
		cmd.Wait()
		close(s.done)
	}()
	select {
	case s.addr = <-addrc:
	case <-s.done:
		t.Fatalf("server exited before listening: %v\n%s", cmd.ProcessState, s.log)
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start\n%s", s.log)
	}
	return s
}

// syncLog collects the server's stderr; the test reads it while the
// server may still write.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testClient gives up on a request after 30 s, so that a server that hangs
// (a handler waiting for a child that cannot exit, say) fails the test
// with a message instead of running into go test's timeout.
var testClient = &http.Client{Timeout: 30 * time.Second}

func (s *child) get(path string) (*http.Response, []byte, error) {
	resp, err := testClient.Get("http://" + s.addr + path)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// wait waits for the server to exit and returns how.
func (s *child) wait() *os.ProcessState {
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.t.Fatalf("server did not exit\n%s", s.log)
	}
	return s.cmd.ProcessState
}

// stop sends SIGTERM and checks for a clean exit.
func (s *child) stop() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	if st := s.wait(); !st.Success() {
		s.t.Fatalf("after SIGTERM the server ended with %v, want exit 0\n%s", st, s.log)
	}
	if !strings.Contains(s.log.String(), "; bye") {
		s.t.Errorf("no graceful shutdown in the log:\n%s", s.log)
	}
}

// seccompModes returns the Seccomp: field of every thread of pid.
func seccompModes(t *testing.T, pid int) map[string]string {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(tasks) == 0 {
		t.Fatalf("no threads for %d: %v", pid, err)
	}
	modes := map[string]string{}
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread exited
		}
		m := regexp.MustCompile(`(?m)^Seccomp:\s*(\d+)$`).FindSubmatch(b)
		if m == nil {
			t.Fatalf("%s has no Seccomp: line", f)
		}
		modes[f] = string(m[1])
	}
	return modes
}

// demoResult is one entry of the demonstration endpoint's reply.
type demoResult struct{ Action, Outcome, Detail string }

func TestWebserverEndToEnd(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs Linux /proc")
	}
	tmp := t.TempDir()

	// 1. The checked-in filters must be what go generate writes now.
	cli := build(t, tmp, "sandboxgen", "github.com/sandboxgen/sandboxgen/cmd/sandboxgen")
	args := append([]string{"-check"}, generateArgs(t)...)
	check := exec.Command(cli, args...)
	if out, err := check.CombinedOutput(); err != nil {
		t.Fatalf("sandboxgen %s: %v: the checked-in files are stale; run go generate ./examples/webserver\n%s",
			strings.Join(args, " "), err, out)
	}

	// 2. Build the server with the demonstration endpoint.
	bin := build(t, tmp, "webserver", ".", "-tags", "sandboxdemo")

	t.Run("serve", func(t *testing.T) {
		s := start(t, bin, nil)
		for i := range 300 {
			path := "/index.html"
			if i%3 == 0 {
				path = "/api/status"
			}
			resp, body, err := s.get(path)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s (#%d): %v %v\n%s", path, i, resp, err, s.log)
			}
			if path == "/api/status" {
				var st statusReply
				if err := json.Unmarshal(body, &st); err != nil || st.Seccomp != "2" || st.PID != s.cmd.Process.Pid {
					t.Fatalf("status %s: %v", body, err)
				}
				// net.Listen of an IP address starts no goroutine that
				// outlives it, so Lock installs the narrow filter.
				if st.Fallback != "" || st.Allowed == 0 {
					t.Fatalf("status %s: want the program's own filter, not the fallback", body)
				}
			} else if !strings.Contains(string(body), "seccomp sandbox") {
				t.Fatalf("index.html: %q", body)
			}
		}
		modes := seccompModes(t, s.cmd.Process.Pid)
		for task, m := range modes {
			if m != "2" {
				t.Errorf("%s: Seccomp: %s, want 2 (filter)", task, m)
			}
		}
		t.Logf("%d threads, all with Seccomp: 2", len(modes))
		// A file outside the root is not served, with or without sandbox.
		if resp, _, err := s.get("/../main.go"); err != nil || resp.StatusCode == http.StatusOK {
			t.Errorf("path escape: %v %v", resp, err)
		}
		s.stop()
	})

	t.Run("enforce", func(t *testing.T) {
		s := start(t, bin, []string{"SELFSANDBOX_MODE=enforce"})
		if _, _, err := s.get("/demo/compromise"); err == nil {
			t.Fatalf("the compromised handler answered in enforce mode\n%s", s.log)
		}
		st := s.wait()
		ws := st.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != syscall.SIGSYS {
			t.Fatalf("server ended with %v, want death by SIGSYS\n%s", st, s.log)
		}
		if _, err := os.Stat(filepath.Join(os.TempDir(), fmt.Sprintf("sandboxgen-demo-%d.txt", s.cmd.Process.Pid))); err == nil {
			t.Error("the compromised handler created its file")
		}
	})

	// runDemo starts the server with env and args, hits the endpoint, and
	// returns the outcomes and whether the test's listener saw a connection.
	runDemo := func(t *testing.T, env []string, args ...string) (*child, map[string]demoResult, bool) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		accepted := make(chan bool, 1)
		go func() {
			c, err := ln.Accept()
			if err == nil {
				c.Close()
			}
			accepted <- err == nil
		}()
		s := start(t, bin, env, append(args, "-demo-target", ln.Addr().String())...)
		resp, body, err := s.get("/demo/compromise")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("demo: %v %v\n%s", resp, err, s.log)
		}
		var results []demoResult
		if err := json.Unmarshal(body, &results); err != nil || len(results) != 3 {
			t.Fatalf("demo reply %s: %v", body, err)
		}
		byAction := map[string]demoResult{}
		for _, r := range results {
			byAction[strings.Fields(r.Action)[0]] = r
		}
		ln.Close()
		return s, byAction, <-accepted
	}

	t.Run("errno", func(t *testing.T) {
		s, results, connected := runDemo(t, []string{"SELFSANDBOX_MODE=errno"})
		for _, action := range []string{"exec", "create", "connect"} {
			r := results[action]
			if r.Outcome != "blocked" || !strings.Contains(r.Detail, "operation not permitted") {
				t.Errorf("%s: %+v, want blocked with EPERM", action, r)
			}
		}
		if connected {
			t.Error("the test's listener accepted a connection from the sandboxed server")
		}
		// The server keeps serving.
		for range 20 {
			if resp, _, err := s.get("/api/status"); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("after the demo: %v %v\n%s", resp, err, s.log)
			}
		}
		s.stop()
	})

	// Without Lock the same handler does everything it tries: the
	// outcomes above are the sandbox's doing.
	t.Run("nolock", func(t *testing.T) {
		s, results, connected := runDemo(t, nil, "-nolock")
		for _, action := range []string{"exec", "create", "connect"} {
			if r := results[action]; r.Outcome != "succeeded" {
				t.Errorf("%s without the sandbox: %+v, want succeeded", action, r)
			}
		}
		if !connected {
			t.Error("without the sandbox the connection did not arrive")
		}
		s.stop()
	})
}

// TestDemoIsFenced checks that the demonstration endpoint exists only in
// the sandboxdemo build: the default build answers 404.
func TestDemoIsFenced(t *testing.T) {
	if registerDemo != nil {
		t.Skip("this test binary was built with -tags sandboxdemo")
	}
	rec := httptest.NewRecorder()
	newServer("static").ServeHTTP(rec, httptest.NewRequest("GET", "/demo/compromise", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("/demo/compromise answered %d in the default build, want 404", rec.Code)
	}
}
