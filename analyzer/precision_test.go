package analyzer

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

var webserverPrecision = flag.Bool("webserver-precision", false,
	"analyse examples/webserver, run its workload locked and under strace, and report allowed versus observed syscalls (scripts/analysis-bench.sh)")

// TestWebserverPrecision measures how tight the allow-list is: the
// syscalls examples/webserver is allowed against those strace sees after
// Lock while it serves static files and its status endpoint. It fails only
// when a seen syscall is not allowed (or the locked server is killed); the
// ratio is reported.
func TestWebserverPrecision(t *testing.T) {
	if !*webserverPrecision {
		t.Skip("run with -webserver-precision (scripts/analysis-bench.sh)")
	}
	rep, err := Analyze(Config{Dir: ".."}, "./examples/webserver")
	if err != nil {
		t.Fatal(err)
	}
	prog := rep.Programs[0]
	bin := buildLocked(t, prog)
	port := freePort(t)
	args := []string{"-addr", fmt.Sprintf("127.0.0.1:%d", port), "-root", filepath.Join(prog.Dir, "static")}
	var seen map[string]int
	for _, traced := range []bool{false, true} {
		log := filepath.Join(t.TempDir(), "strace.log")
		cmd := exec.Command(bin, args...)
		if traced {
			cmd = exec.Command("strace", append([]string{"-f", "-qq", "-o", log, bin}, args...)...)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
			resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/status", port))
			if err == nil {
				resp.Body.Close()
				break
			}
			if time.Since(start) > 20*time.Second {
				t.Fatalf("webserver does not answer: %v", err)
			}
		}
		for _, p := range []string{"/", "/robots.txt", "/index.html", "/api/status", "/missing", "/"} {
			resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, p))
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		pid := cmd.Process.Pid
		if traced {
			pid = childOf(t, pid)
		}
		syscall.Kill(pid, syscall.SIGTERM)
		cmd.Wait()
		if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); ws.Signaled() || ws.ExitStatus() != 0 {
			t.Fatalf("webserver (traced=%v) ended with %v", traced, cmd.ProcessState)
		}
		if traced {
			seen = straceLog(t, log)
		}
	}
	if miss := missing(prog, seen); len(miss) > 0 {
		t.Errorf("strace saw syscalls after Lock that the analysis does not allow: %v", miss)
	}
	var unused []string
	for _, n := range prog.Syscalls {
		if seen[n.Name] == 0 {
			unused = append(unused, n.Name+"("+n.Origin+")")
		}
	}
	sort.Strings(unused)
	t.Logf("webserver: %d allowed (%d from the program's code), strace saw %d after Lock: allowed/observed = %.2f",
		len(prog.Syscalls), countOrigin(prog, OriginProgram), len(seen), float64(len(prog.Syscalls))/float64(len(seen)))
	t.Logf("allowed but not seen in this workload: %s", strings.Join(unused, " "))
	if prog.Pruning.Applied {
		t.Logf("pruned (reached only before Lock at %s): %s", prog.Pruning.LockAt, strings.Join(needNames(prog.Pruned), " "))
	} else {
		t.Logf("nothing pruned: %s", prog.Pruning.Reason)
	}
}
