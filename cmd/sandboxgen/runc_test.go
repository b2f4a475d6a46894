package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// TestExportRunc runs the example web server, built static and started
// with -nolock, in a runc container under the Docker profile that
// -format docker exports for it, with SCMP_ACT_KILL_PROCESS as the
// default action: the profile is all that stands between the server and
// the kernel, from execve on. It must serve /api/status; without any one
// of a start-up, a program and a runc-init syscall it must die; and the
// sandboxdemo build's forbidden connect must kill it.
func TestExportRunc(t *testing.T) {
	runcPath, err := exec.LookPath("runc")
	if err != nil {
		t.Skip("runc is not installed; apt-get install runc")
	}
	if os.Geteuid() != 0 {
		t.Skip("runc needs root to create containers")
	}
	if testing.Short() {
		t.Skip("analyses and builds the example: slow")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	example := filepath.Join(root, "examples", "webserver")
	t.Setenv("CGO_ENABLED", "0") // the analysis must match the static build
	work := t.TempDir()
	profilePath := filepath.Join(work, "profile.json")
	code, stdout, stderr := runCLI(t, example, "-format", "docker", "-arch", runtime.GOARCH, "-deny", "connect", "-readonly-fs", "-o", profilePath, ".")
	if code != exitOK || stdout != "" {
		t.Fatalf("export: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	raw, err := os.ReadFile(profilePath)
	if err != nil {
		t.Fatal(err)
	}
	var profile seccomp.Seccomp
	if err := json.Unmarshal(raw, &profile); err != nil {
		t.Fatal(err)
	}
	if profile.DefaultAction != specs.ActKillProcess {
		t.Fatalf("default action %s, want %s", profile.DefaultAction, specs.ActKillProcess)
	}
	names := profileNames(&profile)
	if len(names) >= 120 {
		t.Errorf("the profile allows %d syscalls, want fewer than 120", len(names))
	}
	t.Logf("the profile allows %d syscalls", len(names))

	server := buildStatic(t, example, filepath.Join(work, "server"))
	demo := buildStatic(t, example, filepath.Join(work, "demo"), "-tags", "sandboxdemo")

	t.Run("serves", func(t *testing.T) {
		c := startContainer(t, runcPath, server, example, &profile, "serve")
		body, err := c.get("/api/status")
		if err != nil {
			t.Fatalf("GET /api/status: %v\n%s", err, c.output())
		}
		var status struct {
			Seccomp string `json:"seccomp"`
		}
		if err := json.Unmarshal(body, &status); err != nil || status.Seccomp != "2" {
			t.Errorf("status %s (%v): want seccomp mode 2 (filter)", body, err)
		}
		if err := c.stop(); err != nil {
			t.Errorf("stopping with SIGTERM: %v\n%s", err, c.output())
		}
	})

	// Each of these is needed at a different time: the runtime's start-up
	// before main, the program's listener before it serves, runc's init
	// before execve. Without it the container must not serve.
	for _, name := range []string{"arch_prctl", "sched_getaffinity", "bind", "accept4", "fstatfs"} {
		if !slices.Contains(names, name) {
			continue // arch_prctl exists on amd64 only
		}
		t.Run("without_"+name, func(t *testing.T) {
			c := startContainer(t, runcPath, server, example, withoutSyscall(&profile, name), "no-"+strings.ReplaceAll(name, "_", "-"))
			body, err := c.get("/api/status")
			if err == nil {
				t.Fatalf("served %s without %s in the profile", body, name)
			}
			if err := c.wait(30 * time.Second); err == nil {
				t.Errorf("the container exited 0 without %s", name)
			}
		})
	}

	// runc answers ENOSYS for a number above the highest the profile
	// names, and the default action below it (docs/containers.md).
	t.Run("above_highest_enosys", func(t *testing.T) {
		table, err := systable.Lookup(runtime.GOARCH)
		if err != nil {
			t.Fatal(err)
		}
		var highest uint32
		for _, n := range names {
			if nr, ok := table.Number(n); ok && nr > highest {
				highest = nr
			}
		}
		mknodat, _ := table.Number("mknodat")
		if highest >= 437 || mknodat > highest || slices.Contains(names, "mknodat") || slices.Contains(names, "openat2") {
			t.Skipf("the profile's highest syscall is %d: openat2 (437) must be above it and mknodat (%d) below and absent", highest, mknodat)
		}
		probe := buildStatic(t, filepath.Join(root, "cmd", "sandboxgen", "testdata", "runc", "probe"), filepath.Join(work, "probe"))
		c := startContainer(t, runcPath, probe, example, &profile, "probe", "probe")
		err = c.wait(30 * time.Second)
		out := c.output()
		var exit *exec.ExitError
		if !errorsAs(err, &exit) || exit.ExitCode() != 128+int(syscall.SIGSYS) {
			t.Errorf("runc run: %v, want exit status %d (killed by mknodat)\n%s", err, 128+int(syscall.SIGSYS), out)
		}
		if !strings.Contains(out, "openat2: "+syscall.ENOSYS.Error()) || strings.Contains(out, "mknodat:") {
			t.Errorf("want openat2 answered %q and no mknodat line; output:\n%s", syscall.ENOSYS.Error(), out)
		}
	})

	t.Run("demo_connect_stopped", func(t *testing.T) {
		c := startContainer(t, runcPath, demo, example, &profile, "demo")
		if _, err := c.get("/api/status"); err != nil {
			t.Fatalf("GET /api/status: %v\n%s", err, c.output())
		}
		body, err := c.get("/demo/compromise?action=connect")
		if err == nil {
			t.Fatalf("the forbidden connect got a reply: %s", body)
		}
		err = c.wait(30 * time.Second)
		var exit *exec.ExitError
		if !errorsAs(err, &exit) || exit.ExitCode() != 128+int(syscall.SIGSYS) {
			t.Errorf("runc run: %v, want exit status %d (SIGSYS)\n%s", err, 128+int(syscall.SIGSYS), c.output())
		}
	})
}

func errorsAs(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	if ok {
		*target = e
	}
	return ok
}

func profileNames(p *seccomp.Seccomp) []string {
	var names []string
	for _, s := range p.Syscalls {
		for _, n := range s.Names {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	return names
}

func withoutSyscall(p *seccomp.Seccomp, name string) *seccomp.Seccomp {
	q := *p
	q.Syscalls = nil
	for _, s := range p.Syscalls {
		s2 := *s
		s2.Names = slices.DeleteFunc(slices.Clone(s.Names), func(n string) bool { return n == name })
		if len(s2.Names) > 0 {
			q.Syscalls = append(q.Syscalls, &s2)
		}
	}
	return &q
}

// buildStatic builds the example without cgo, as a container image holds it.
func buildStatic(t *testing.T, dir, out string, flags ...string) string {
	t.Helper()
	args := append([]string{"build", "-o", out}, flags...)
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", flags, err, b)
	}
	return out
}

// container is one runc run of the server.
type container struct {
	t      *testing.T
	runc   string
	id     string
	cmd    *exec.Cmd
	addr   string
	log    *strings.Builder
	stderr *lockedWriter
	done   chan struct{} // closed when runc run has exited
	err    error         // runc run's exit error, once done
}

// startContainer creates a bundle whose root file system holds only the
// binary and the example's static/ directory, shares the host's network
// namespace, and runs it with -nolock under profile, listening on a free
// loopback port.
func startContainer(t *testing.T, runcPath, binary, example string, profile *seccomp.Seccomp, name string, args ...string) *container {
	t.Helper()
	bundle := t.TempDir()
	rootfs := filepath.Join(bundle, "rootfs")
	copyFile(t, binary, filepath.Join(rootfs, "server"), 0o755)
	for _, f := range []string{"index.html", "robots.txt"} {
		copyFile(t, filepath.Join(example, "static", f), filepath.Join(rootfs, "static", f), 0o644)
	}
	if out, err := exec.Command(runcPath, "spec", "--bundle", bundle).CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec specs.Spec
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	spec.Process.Terminal = false
	spec.Process.Args = []string{"/server", "-nolock", "-root", "/static", "-addr", "127.0.0.1:0"}
	if len(args) > 0 {
		spec.Process.Args = append([]string{"/server"}, args...)
	}
	spec.Linux.Namespaces = slices.DeleteFunc(spec.Linux.Namespaces, func(ns specs.LinuxNamespace) bool {
		return ns.Type == specs.NetworkNamespace
	})
	// The Docker profile is a superset of linux.seccomp; runc reads the
	// fields it knows.
	seccompJSON, err := json.Marshal(profile)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	specJSON, _ := json.Marshal(spec)
	if err := json.Unmarshal(specJSON, &cfg); err != nil {
		t.Fatal(err)
	}
	var sec any
	_ = json.Unmarshal(seccompJSON, &sec)
	cfg["linux"].(map[string]any)["seccomp"] = sec
	out, _ := json.MarshalIndent(cfg, "", " ")
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), out, 0o644); err != nil {
		t.Fatal(err)
	}

	c := &container{t: t, runc: runcPath, id: fmt.Sprintf("sandboxgen-test-%d-%s", os.Getpid(), name), log: &strings.Builder{}, done: make(chan struct{})}
	c.cmd = exec.Command(runcPath, "run", "--bundle", bundle, c.id)
	c.stderr = &lockedWriter{b: c.log}
	c.cmd.Stderr = c.stderr
	pipe, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		exec.Command(runcPath, "delete", "-f", c.id).Run()
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			c.cmd.Process.Kill()
		}
	})
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			c.stderr.Write([]byte(line + "\n"))
			if a, ok := strings.CutPrefix(line, "listening on http://"); ok {
				addr <- a
			}
		}
		io.Copy(io.Discard, pipe)
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	select {
	case c.addr = <-addr:
	case <-c.done:
	case <-time.After(30 * time.Second):
	}
	if c.addr != "" && !strings.HasPrefix(c.addr, "127.0.0.1:") {
		t.Fatalf("the server listens on %s, not on loopback", c.addr)
	}
	return c
}

// get requests path from the server, with bounded retries while it is not
// listening yet. It fails at once when the server never printed its
// address.
func (c *container) get(path string) ([]byte, error) {
	if c.addr == "" {
		return nil, fmt.Errorf("the server never said where it listens")
	}
	client := &http.Client{Timeout: 10 * time.Second}
	var lastErr error
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.addr+path, nil)
		resp, err := client.Do(req)
		if err == nil {
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			cancel()
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %s", resp.Status)
			}
			return body, err
		}
		cancel()
		lastErr = err
		select {
		case <-c.done:
			return nil, fmt.Errorf("%v; the container has exited", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil, lastErr
}

// stop sends SIGTERM and waits for a clean exit.
func (c *container) stop() error {
	if out, err := exec.Command(c.runc, "kill", c.id, "TERM").CombinedOutput(); err != nil {
		return fmt.Errorf("runc kill: %v: %s", err, out)
	}
	return c.wait(30 * time.Second)
}

// wait returns runc run's exit error, or a timeout error.
func (c *container) wait(d time.Duration) error {
	select {
	case <-c.done:
		return c.err
	case <-time.After(d):
		return fmt.Errorf("the container still runs after %v", d)
	}
}

func (c *container) output() string {
	c.stderr.mu.Lock()
	defer c.stderr.mu.Unlock()
	return c.log.String()
}

// lockedWriter lets the test read stderr while exec copies into it.
type lockedWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func copyFile(t *testing.T, from, to string, perm os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, perm); err != nil {
		t.Fatal(err)
	}
}
