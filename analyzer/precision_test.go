package analyzer

import (
	"bufio"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var webserverPrecision = flag.Bool("webserver-precision", false,
	"analyse examples/webserver, run its workload locked and under strace, and report allowed versus observed syscalls (scripts/analysis-bench.sh)")

// webserverWorkload is how long the precision workload runs. It is longer
// than the runtime's periodic work (sysmon re-reads the CPU limit for
// GOMAXPROCS about once a second) so that the runtime's steady state is in
// what strace sees, not only the program's requests.
const webserverWorkload = 4 * time.Second

// TestWebserverPrecision measures how tight the allow-list is: the
// syscalls examples/webserver is allowed against those strace sees after
// Lock while it serves a workload that uses what the server offers (see
// serveWorkload). It fails only when a seen syscall is not allowed (or the
// locked server is killed or fails a request); the ratio is reported.
func TestWebserverPrecision(t *testing.T) {
	prog, bin, root := lockedWebserver(t)
	var (
		seen     map[string]int
		fallback string
	)
	for _, traced := range []bool{false, true} {
		port := freePort(t)
		args := []string{"-addr", fmt.Sprintf("127.0.0.1:%d", port), "-root", root}
		log := filepath.Join(t.TempDir(), "strace.log")
		cmd := exec.Command(bin, args...)
		if traced {
			cmd = exec.Command("strace", append([]string{"-f", "-qq", "-o", log, bin}, args...)...)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		base := fmt.Sprintf("127.0.0.1:%d", port)
		for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
			resp, err := http.Get("http://" + base + "/api/status")
			if err == nil {
				resp.Body.Close()
				break
			}
			if time.Since(start) > 20*time.Second {
				t.Fatalf("webserver does not answer: %v", err)
			}
		}
		if traced {
			var err error
			fallback, err = installedFallback(base)
			if err != nil {
				t.Fatal(err)
			}
		}
		n, werr := serveWorkload(base, webserverWorkload)
		pid := cmd.Process.Pid
		if traced {
			pid = childOf(t, pid)
		}
		syscall.Kill(pid, syscall.SIGTERM)
		cmd.Wait()
		if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); ws.Signaled() || ws.ExitStatus() != 0 {
			t.Fatalf("webserver (traced=%v) ended with %v", traced, cmd.ProcessState)
		}
		if werr != nil {
			t.Fatalf("workload (traced=%v): %v", traced, werr)
		}
		t.Logf("workload (traced=%v): %d requests in %v", traced, n, webserverWorkload)
		if traced {
			seen = straceLog(t, log)
		}
	}
	// What counts is the filter Lock installed: the narrow one unless a
	// goroutine of prog.Outliving was still running.
	installed := prog.Narrow()
	if fallback != "" {
		t.Logf("Lock installed the fallback filter: %s", fallback)
		installed = prog.Syscalls
	}
	if miss := missing(&Program{Syscalls: installed}, seen); len(miss) > 0 {
		t.Errorf("strace saw syscalls after Lock that the installed filter does not allow: %v", miss)
	}
	var unused []string
	fromCode := 0
	for _, n := range installed {
		if seen[n.Name] == 0 {
			unused = append(unused, n.Name+"("+n.Origin+")")
		}
		if n.Origin == OriginProgram {
			fromCode++
		}
	}
	sort.Strings(unused)
	t.Logf("webserver: %d allowed by the installed filter (%d from the program's code; the fallback allows %d), strace saw %d after Lock: allowed/observed = %.2f",
		len(installed), fromCode, len(prog.Syscalls), len(seen), float64(len(installed))/float64(len(seen)))
	t.Logf("allowed but not seen in this workload: %s", strings.Join(unused, " "))
	if prog.Pruning.Applied {
		t.Logf("pruned (reached only before Lock at %s): %s", prog.Pruning.LockAt, strings.Join(needNames(prog.Pruned), " "))
	} else {
		t.Logf("nothing pruned: %s", prog.Pruning.Reason)
	}
}

// lockedWebserver skips unless -webserver-precision is set; it analyses
// examples/webserver, builds it with its filter, and makes the directory
// the workload's server serves.
func lockedWebserver(t *testing.T) (prog *Program, bin, root string) {
	t.Helper()
	if !*webserverPrecision {
		t.Skip("run with -webserver-precision (scripts/analysis-bench.sh)")
	}
	rep, err := Analyze(Config{Dir: ".."}, "./examples/webserver")
	if err != nil {
		t.Fatal(err)
	}
	prog = rep.Programs[0]
	return prog, buildLocked(t, prog), workloadRoot(t, filepath.Join(prog.Dir, "static"))
}

// workloadRoot makes the directory the workload's server serves: the
// example's own static files, a 1 MiB file (large enough for the kernel's
// zero-copy paths) and a directory without an index (a listing).
func workloadRoot(t *testing.T, static string) string {
	root := t.TempDir()
	ents, err := os.ReadDir(static)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(static, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	big := make([]byte, 1<<20)
	rand.Read(big)
	files := map[string][]byte{"big.bin": big, "docs/a.txt": []byte("a\n"), "docs/b.txt": []byte("b\n"), "docs/sub/c.txt": []byte("c\n")}
	for name, b := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// serveWorkload drives the server at addr for d from four concurrent
// clients: static files large and small, directory listings and their
// redirects, byte ranges, HEAD, conditional requests, the JSON endpoint,
// missing files, HTTP/1.0 and Connection: close requests, a malformed
// request, and a client that hangs up in the middle of a large reply. It
// returns the number of requests made and the first unexpected answer.
func serveWorkload(addr string, d time.Duration) (int, error) {
	type req struct {
		method, path string
		header       map[string]string
		want         int
	}
	reqs := []req{
		{"GET", "/", nil, 200},
		{"GET", "/robots.txt", nil, 200},
		{"GET", "/index.html", nil, 301},
		{"GET", "/api/status", nil, 200},
		{"GET", "/missing", nil, 404},
		{"GET", "/big.bin", nil, 200},
		{"GET", "/big.bin", map[string]string{"Range": "bytes=1000-1999"}, 206},
		{"GET", "/big.bin", map[string]string{"Range": "bytes=0-9,500-599"}, 206},
		{"HEAD", "/big.bin", nil, 200},
		{"GET", "/robots.txt", map[string]string{"If-Modified-Since": time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}, 304},
		{"GET", "/docs/", nil, 200},
		{"GET", "/docs", nil, 301},
		{"GET", "/docs/sub/c.txt", nil, 200},
		{"GET", "/docs/a.txt", map[string]string{"Connection": "close"}, 200},
		{"POST", "/api/status", nil, 405},
		// A path below a file: open fails with ENOTDIR and the file
		// server stats the path's prefixes to answer 404.
		{"GET", "/robots.txt/x", nil, 404},
	}
	client := &http.Client{
		Transport:     &http.Transport{MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	var (
		mu    sync.Mutex
		count int
		first error
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
	}
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; time.Now().Before(deadline); i++ {
				switch i % (len(reqs) + 4) {
				case len(reqs) + 3:
					fail(oversizedUpload(addr))
				case len(reqs):
					fail(rawExchange(addr, "GET /robots.txt HTTP/1.0\r\n\r\n", "HTTP/1.0 200"))
				case len(reqs) + 1:
					fail(rawExchange(addr, "BREW / HTCPCP/1.0\r\n\r\n", "HTTP/1.1 400"))
				case len(reqs) + 2:
					// Hang up after the first bytes of a large reply.
					c, err := net.Dial("tcp", addr)
					if err != nil {
						fail(err)
						continue
					}
					fmt.Fprintf(c, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
					c.Read(make([]byte, 100))
					c.(*net.TCPConn).SetLinger(0)
					c.Close()
				default:
					r := reqs[i%(len(reqs)+4)]
					hr, _ := http.NewRequest(r.method, "http://"+addr+r.path, nil)
					for k, v := range r.header {
						hr.Header.Set(k, v)
					}
					resp, err := client.Do(hr)
					if err != nil {
						fail(fmt.Errorf("%s %s: %v", r.method, r.path, err))
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != r.want {
						fail(fmt.Errorf("%s %s: %s, want %d", r.method, r.path, resp.Status, r.want))
					}
				}
				mu.Lock()
				count++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return count, first
}

// installedFallback asks the server at addr, through its status endpoint,
// whether Lock installed the fallback filter, and returns why ("" if not).
func installedFallback(addr string) (string, error) {
	resp, err := http.Get("http://" + addr + "/api/status")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var st struct {
		Allowed  int    `json:"allowed_syscalls"`
		Fallback string `json:"fallback"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || st.Allowed == 0 {
		return "", fmt.Errorf("status endpoint: %+v, %v", st, err)
	}
	return st.Fallback, nil
}

// oversizedUpload posts a 1 MiB body that the server does not read (the
// status endpoint answers POST with 405): past what net/http drains after
// a handler, the server half-closes the connection (shutdown) and closes it
// a moment later. Writing the rest of the body may fail then; only the
// reply's status line counts.
func oversizedUpload(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	const size = 1 << 20
	go func() {
		fmt.Fprintf(c, "POST /api/status HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size)
		c.Write(make([]byte, size))
	}()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("oversized upload: %v", err)
	}
	if !strings.HasPrefix(line, "HTTP/1.1 405") {
		return fmt.Errorf("oversized upload: got %q, want 405", line)
	}
	return nil
}

// rawExchange sends request on a new connection and checks that the reply's
// status line starts with want.
func rawExchange(addr, request, want string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("%q: %v", request, err)
	}
	if !strings.HasPrefix(line, want) {
		return fmt.Errorf("%q: got %q, want %s", request, line, want)
	}
	return nil
}
