package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestTraceWebserver traces the example web server, locked in log mode,
// under a short workload and checks that the trace finds nothing its
// checked-in allow-list lacks. What the filter allows but the run never
// made is logged, for comparison with the analyzer's precision test.
func TestTraceWebserver(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example web server")
	}
	bin := filepath.Join(t.TempDir(), "webserver")
	build := exec.Command("go", "build", "-o", bin, "../../examples/webserver")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("SELFSANDBOX_MODE", "log")
	report := filepath.Join(t.TempDir(), "trace.json")
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- runTrace([]string{"-json", "-o", report, "-pkg", "../../examples/webserver", "--",
			bin, "-addr", addr, "-root", "../../examples/webserver/static"}, io.Discard, &stderr)
	}()

	var status struct{ PID int }
	client := &http.Client{Timeout: 10 * time.Second}
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		resp, err := client.Get("http://" + addr + "/api/status")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&status)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			break
		}
		select {
		case code := <-done:
			t.Fatalf("trace ended (exit %d) before the server answered: %s", code, stderr.String())
		default:
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("the traced server does not answer: %v", err)
		}
	}
	for i := 0; i < 3; i++ {
		for _, path := range []string{"/", "/robots.txt", "/index.html", "/api/status", "/no-such-file"} {
			resp, err := client.Get("http://" + addr + path)
			if err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	if err := syscall.Kill(status.PID, syscall.SIGTERM); err != nil {
		t.Fatalf("stop the server (pid %d from /api/status): %v", status.PID, err)
	}
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("trace: exit %d: %s", code, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the traced server did not stop within 60 s of SIGTERM")
	}

	var rep traceReport
	if err := json.Unmarshal([]byte(mustRead(t, report)), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.ExitCode != 0 || rep.Signal != "" || !rep.Locked || rep.Policy == nil {
		t.Fatalf("traced server: exit %d, signal %q, locked %v, policy %v; want a clean exit of a locked server", rep.ExitCode, rep.Signal, rep.Locked, rep.Policy != nil)
	}
	if len(rep.Policy.Missing) > 0 {
		t.Errorf("the example's allow-list lacks what its server made after Lock: %+v (regenerate with go generate ./examples/webserver if the file is stale)", rep.Policy.Missing)
	}
	var answered []string
	for _, a := range rep.Policy.Answered {
		answered = append(answered, fmt.Sprint(a.Name, a.Executables))
	}
	t.Logf("answered ENOSYS: %s", strings.Join(answered, ", "))
	t.Logf("allowed but never made under this workload (%d): %s", len(rep.Policy.Unused), strings.Join(rep.Policy.Unused, ", "))
}
