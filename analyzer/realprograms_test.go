package analyzer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"go/parser"
	"go/token"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sandboxgen/sandboxgen/internal/childtest"
	"golang.org/x/tools/go/ast/astutil"
)

var realPrograms = flag.Bool("realprograms", false,
	"fetch real public programs through the Go module proxy, add selfsandbox.Lock() at the start of main, "+
		"analyse, lock with their allow-list and run a workload (scripts/realprograms.sh)")

// realProgram is a public Go program this project did not write: its
// module, the main package inside it, and a workload.
type realProgram struct {
	name, module, version, pkg string
	execChild                  bool // the workload starts other programs
	// workload runs the locked binary through its work and fails t when
	// it does not do it. traced wraps the command to run under strace
	// (nil for the plain run).
	workload func(t *testing.T, bin, work string, traced func(*exec.Cmd) *exec.Cmd)
}

var realProgramList = []realProgram{
	{name: "gojq", module: "github.com/itchyny/gojq", version: "v0.12.17", pkg: "cmd/gojq", workload: gojqWorkload},
	{name: "gosh", module: "mvdan.cc/sh/v3", version: "v3.14.1", pkg: "cmd/gosh", execChild: true, workload: goshWorkload},
	{name: "nats-server", module: "github.com/nats-io/nats-server/v2", version: "v2.15.2", pkg: ".", workload: natsWorkload},
}

// TestRealPrograms is the acceptance run on real programs. It needs the
// network (the Go module proxy), so it runs only with -realprograms.
func TestRealPrograms(t *testing.T) {
	if !*realPrograms {
		t.Skip("needs the Go module proxy; run scripts/realprograms.sh")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, rp := range realProgramList {
		t.Run(rp.name, func(t *testing.T) {
			dir := fetchAndPatch(t, rp, root)
			cfg := Config{Dir: dir, ExecChild: rp.execChild, Env: []string{"GOFLAGS=-mod=mod"}}
			rep, err := Analyze(cfg, "./"+rp.pkg)
			if err != nil {
				t.Fatal(err)
			}
			prog := rep.Programs[0]
			for _, u := range prog.Unresolved {
				t.Logf("unresolved: %s %s: %s", u.Pos, u.Func, u.Reason)
			}
			for _, w := range prog.Warnings {
				t.Logf("warning: %s", w)
			}
			if !prog.Pruning.Applied {
				t.Errorf("pruning not applied although main.main calls MustLock first: %s", prog.Pruning.Reason)
			}
			t.Logf("pruned (reached only by package initialisation): %v", needNames(prog.Pruned))
			bin := buildLocked(t, prog)
			work := t.TempDir()
			rp.workload(t, bin, work, nil)
			var log string
			rp.workload(t, bin, work, func(c *exec.Cmd) *exec.Cmd {
				log = filepath.Join(t.TempDir(), "strace.log")
				tc := exec.Command("strace", append([]string{"-f", "-qq", "-o", log}, c.Args...)...)
				tc.Env, tc.Dir, tc.Stdin = c.Env, c.Dir, c.Stdin
				return tc
			})
			seen := straceLog(t, log)
			if miss := missing(prog, seen); len(miss) > 0 {
				t.Errorf("strace saw syscalls after Lock that the analysis does not allow: %v", miss)
			}
			var unseen []string
			for _, n := range prog.Syscalls {
				if seen[n.Name] == 0 {
					unseen = append(unseen, n.Name+"("+n.Origin+")")
				}
			}
			t.Logf("allowed but not seen in this workload: %s", strings.Join(unseen, " "))
			note := fmt.Sprintf("%-12s %s@%s: %d packages, %d allowed (%d from the program's code, %d unresolved sites; %d without the %d go statements before Lock of Outliving), strace saw %d after main, analysis %.1f s (load %.1f s, SSA %.1f s, call graph %.1f s)",
				rp.name, rp.module, rp.version, prog.Packages, len(prog.Syscalls), countOrigin(prog, OriginProgram), len(prog.Unresolved),
				len(prog.Narrow()), len(prog.Outliving), len(seen), prog.Timings.Total.Seconds(), prog.Timings.Load.Seconds(), prog.Timings.SSA.Seconds(), prog.Timings.CallGraph.Seconds())
			t.Log(note)
			notes = append(notes, note)
		})
	}
	t.Log("summary:\n" + strings.Join(notes, "\n"))
}

// fetchAndPatch downloads the module through the module proxy, copies it to
// a writable directory, makes selfsandbox.MustLock() the first statement of
// its main, and points it at this repository's selfsandbox.
func fetchAndPatch(t *testing.T, rp realProgram, root string) string {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", rp.module+"@"+rp.version).Output()
	if err != nil {
		t.Fatalf("go mod download %s@%s: %v", rp.module, rp.version, err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		t.Fatalf("go mod download %s@%s: %v %s", rp.module, rp.version, err, info.Error)
	}
	dir := filepath.Join(t.TempDir(), rp.name)
	run(t, "", "cp", "-r", info.Dir, dir)
	run(t, "", "chmod", "-R", "u+w", dir)
	pkgDir := filepath.Join(dir, rp.pkg)
	patched := false
	files, _ := filepath.Glob(filepath.Join(pkgDir, "*.go"))
	mainFunc := regexp.MustCompile(`(?m)^func main\(\) \{$`)
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, "_test.go") || !mainFunc.Match(src) {
			continue
		}
		// selfsandbox.MustLock() as main's first statement, written
		// directly in main.main so that pruning applies: what only the
		// package initialisers reach is left out of the filter.
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, f, src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		astutil.AddNamedImport(fset, file, "sandboxgenselfsandbox", "github.com/sandboxgen/sandboxgen/selfsandbox")
		var buf bytes.Buffer
		if err := format.Node(&buf, fset, file); err != nil {
			t.Fatal(err)
		}
		src = mainFunc.ReplaceAll(buf.Bytes(), []byte("func main() {\n\tsandboxgenselfsandbox.MustLock()"))
		if err := os.WriteFile(f, src, 0o644); err != nil {
			t.Fatal(err)
		}
		patched = true
		break
	}
	if !patched {
		t.Fatalf("no func main() in %s", pkgDir)
	}
	run(t, dir, "go", "mod", "edit", "-require=github.com/sandboxgen/sandboxgen@v0.0.0-00010101000000-000000000000", "-replace=github.com/sandboxgen/sandboxgen="+root)
	run(t, dir, "go", "mod", "tidy")
	return dir
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// straceLog reads an strace -f log and returns the syscalls after Lock.
func straceLog(t *testing.T, log string) map[string]int {
	t.Helper()
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	seen, ok := afterMarker(string(b), lockMarker)
	if !ok {
		t.Fatalf("%s has no seccomp(%s): Lock did not run", log, lockMarker)
	}
	return seen
}

// mustSucceed runs cmd (wrapped by traced when set) and fails t unless it
// exits 0 with stdout containing want.
func mustSucceed(t *testing.T, cmd *exec.Cmd, traced func(*exec.Cmd) *exec.Cmd, want string) {
	t.Helper()
	if traced != nil {
		cmd = traced(cmd)
	}
	res := childtest.RunCommand(t, cmd)
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, want) {
		t.Fatalf("%v: want exit 0 and %q in stdout:\n%s", cmd.Args, want, res)
	}
}

func gojqWorkload(t *testing.T, bin, work string, traced func(*exec.Cmd) *exec.Cmd) {
	in := filepath.Join(work, "in.json")
	if err := os.WriteFile(in, []byte(`{"a":[1,2,3],"b":{"c":"x"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, exec.Command(bin, "-c", "([.a[]*2] | add), .b.c, (keys|join(\",\"))", in), traced, "12\n\"x\"\n\"a,b\"")
	cmd := exec.Command(bin, "-n", "-r", "[range(5)] | map(tostring) | join(\"-\"), (now|type), env.HOME")
	cmd.Env = append(os.Environ(), "HOME=/nowhere")
	mustSucceed(t, cmd, traced, "0-1-2-3-4\nnumber\n/nowhere")
	cmd = exec.Command(bin, ".x")
	cmd.Stdin = strings.NewReader(`{"x":"from stdin"}`)
	mustSucceed(t, cmd, traced, `"from stdin"`)
}

// goshWorkload runs a script whose external commands are /bin/echo,
// /bin/true and /bin/sh: children start under the inherited filter, so
// they can only use what the runtime profile's exec group allows (which
// covers these; coreutils such as cat, tr and ls need more, e.g. fadvise64).
func goshWorkload(t *testing.T, bin, work string, traced func(*exec.Cmd) *exec.Cmd) {
	script := `echo hello | /bin/echo piped
x=$(/bin/echo sub); echo "got $x"
/bin/true && echo true-ok
/bin/sh -c 'exit 3' || echo "sh-exit $?"
for i in 1 2 3; do printf "%s" $i; done; echo
cd ` + work + ` && echo data > f.txt && read -r line < f.txt && echo "read $line"`
	mustSucceed(t, exec.Command(bin, "-c", script), traced, "piped\ngot sub\ntrue-ok\nsh-exit 3\n123\nread data")
}

// natsWorkload starts nats-server on loopback, publishes and receives a
// message over its text protocol, reads /varz from its monitoring port,
// and stops it with SIGTERM.
func natsWorkload(t *testing.T, bin, work string, traced func(*exec.Cmd) *exec.Cmd) {
	port, mport := freePort(t), freePort(t)
	cmd := exec.Command(bin, "-a", "127.0.0.1", "-p", fmt.Sprint(port), "-m", fmt.Sprint(mport), "-sd", work)
	if traced != nil {
		cmd = traced(cmd)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		// Under strace the server is strace's child: signal it, not strace.
		pid := cmd.Process.Pid
		if traced != nil {
			pid = childOf(t, pid)
		}
		syscall.Kill(pid, syscall.SIGTERM)
		select {
		case err := <-done:
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if ws.Signaled() {
				t.Errorf("nats-server killed by %v (%v)\n%s", ws.Signal(), err, stderr.String())
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Errorf("nats-server did not stop on SIGTERM")
		}
	}()
	var c net.Conn
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		var err error
		if c, err = net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("nats-server exited early: %v\n%s", err, stderr.String())
		default:
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("nats-server does not listen: %v\n%s", err, stderr.String())
		}
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	rd := bufio.NewReader(c)
	if line, err := rd.ReadString('\n'); err != nil || !strings.HasPrefix(line, "INFO ") {
		t.Fatalf("no INFO from nats-server: %q %v", line, err)
	}
	fmt.Fprint(c, "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB greet 1\r\nPUB greet 5\r\nhello\r\nPING\r\n")
	var got []string
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("reading from nats-server: %v (so far %q)", err, got)
		}
		got = append(got, strings.TrimSpace(line))
		if strings.HasPrefix(line, "PONG") {
			break
		}
	}
	if !strings.Contains(strings.Join(got, "|"), "MSG greet 1 5|hello") {
		t.Errorf("message not delivered: %q", got)
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/varz", mport))
	if err != nil {
		t.Fatalf("monitoring endpoint: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"server_id"`) {
		t.Errorf("/varz: %.200s", body)
	}
}

// childOf returns the first child process of pid.
func childOf(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		t.Fatal(err)
	}
	var child int
	if _, err := fmt.Sscan(string(b), &child); err != nil {
		t.Fatalf("no child of %d: %q", pid, b)
	}
	return child
}

// freePort returns a loopback TCP port that is free now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
