package selfsandbox_test

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/childtest"
	"github.com/sandboxgen/sandboxgen/runtimeprofile"
	"github.com/sandboxgen/sandboxgen/selfsandbox"
	"github.com/sandboxgen/sandboxgen/selfsandbox/internal/testpolicy"
)

// The parent test computes the Go runtime's syscalls once (runtimeprofile
// reads the toolchain's source, which takes a while) and hands them to each
// child in these variables; the child compiles its program from them with
// gen, as a generated file would have it precompiled.
const (
	envAllow = testpolicy.EnvAllow
	envErrno = testpolicy.EnvErrno
)

// testOwn is what the test binary itself needs after Lock on top of the
// runtime: writing its output, reading /proc, timing.
var testOwn = []string{
	"write", "read", "openat", "close", "fstat", "newfstatat", "fcntl", "lseek", "getdents64",
	"getpid", "gettid", "tgkill", "nanosleep", "clock_nanosleep", "clock_gettime", "exit_group",
	"pread64", "ioctl",
}

var profileOnce struct {
	sync.Once
	allow, errno string
	err          error
}

// runtimeSyscalls returns the env values that describe the runtime's
// syscalls (Base and Cgo groups) of the toolchain running the test.
func runtimeSyscalls(t testing.TB) (allow, errno string) {
	t.Helper()
	profileOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			profileOnce.err = fmt.Errorf("go env GOROOT: %v", err)
			return
		}
		p, err := runtimeprofile.For(strings.TrimSpace(string(out)), "linux", runtime.GOARCH)
		if err != nil {
			profileOnce.err = err
			return
		}
		profileOnce.allow = strings.Join(p.Names(runtimeprofile.Cgo), ",")
		var pairs []string
		for name, e := range p.Errnos(runtimeprofile.Cgo) {
			pairs = append(pairs, name+"="+strconv.Itoa(int(e)))
		}
		slices.Sort(pairs)
		profileOnce.errno = strings.Join(pairs, ",")
	})
	if profileOnce.err != nil {
		t.Fatalf("runtime profile: %v", profileOnce.err)
	}
	return profileOnce.allow, profileOnce.errno
}

// needKernel skips unless the test can install filters on this machine.
func needKernel(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("seccomp needs Linux")
	}
	if _, ok := selfsandbox.AuditArch(runtime.GOARCH); !ok {
		t.Skipf("selfsandbox does not support linux/%s", runtime.GOARCH)
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
}

// runChild runs the calling test in a child with the runtime's syscalls in
// its environment plus env.
func runChild(t *testing.T, env ...string) childtest.Result {
	t.Helper()
	allow, errno := runtimeSyscalls(t)
	return childtest.Run(t, 60*time.Second, append([]string{envAllow + "=" + allow, envErrno + "=" + errno}, env...)...)
}

// childPolicy is, in a child, the policy of the runtime's syscalls and
// testOwn plus extra, denying everything else with KILL_PROCESS (the
// program's baked default; the mode may rewrite it).
func childPolicy(t testing.TB, extra ...string) gen.Policy {
	t.Helper()
	p, err := testpolicy.FromEnv(slices.Concat(testOwn, extra))
	if err != nil {
		t.Fatalf("%v (run the child through runChild)", err)
	}
	return p
}

// registerPolicy compiles p and registers it, stamped with this binary's Go
// version unless goVersion is given.
func registerPolicy(t testing.TB, p gen.Policy, goVersion ...string) {
	t.Helper()
	prog, err := gen.Compile(p)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	v := runtime.Version()
	if len(goVersion) > 0 {
		v = goVersion[0]
	}
	// Cgo: the test binary links cgo, and childPolicy has the cgo group.
	selfsandbox.Register(prog.Selfsandbox(gen.Metadata{GoVersion: v, Cgo: true}))
}

// taskStatus is one thread's seccomp state from /proc/self/task/TID/status.
type taskStatus struct {
	TID        int
	Seccomp    string // "0" none, "1" strict, "2" filter
	NoNewPrivs string
}

// readTasks reads the seccomp state of every thread of this process.
func readTasks() ([]taskStatus, error) {
	dir, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return nil, err
	}
	var out []taskStatus
	for _, e := range dir {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/self/task/" + e.Name() + "/status")
		if err != nil {
			// The thread exited between ReadDir and ReadFile.
			continue
		}
		ts := taskStatus{TID: tid, Seccomp: "?", NoNewPrivs: "?"}
		for line := range strings.SplitSeq(string(data), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			switch k {
			case "Seccomp":
				ts.Seccomp = strings.TrimSpace(v)
			case "NoNewPrivs":
				ts.NoNewPrivs = strings.TrimSpace(v)
			}
		}
		out = append(out, ts)
	}
	return out, nil
}

// selfSeccomp returns the calling thread's Seccomp field.
func selfSeccomp() string {
	data, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		return "error: " + err.Error()
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Seccomp:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "missing"
}
