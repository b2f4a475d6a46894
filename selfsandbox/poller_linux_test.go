package selfsandbox_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sandboxgen/sandboxgen/internal/childtest"
)

// TestPollerStartedByRegister runs testdata/poller: a program that has not
// created the runtime's network poller registers a program and locks itself
// with a filter that denies epoll_create1 and eventfd2 (KILL_PROCESS), then
// serves and dials a loopback connection. It survives, and the poller exists
// from Register on, because Register creates it (so that Lock need not):
// sandboxgen leaves those two syscalls out of every filter on that promise.
func TestPollerStartedByRegister(t *testing.T) {
	needKernel(t)
	allow, errno := runtimeSyscalls(t)
	bin := filepath.Join(t.TempDir(), "poller")
	build := exec.Command("go", "build", "-o", bin, "./testdata/poller")
	build.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building testdata/poller: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), envAllow+"="+allow, envErrno+"="+errno)
	r := childtest.RunCommand(t, cmd)
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "poller before Register: false") ||
		!strings.Contains(r.Stdout, "poller before Lock: true") || !strings.Contains(r.Stdout, `read "x" <nil>`) {
		t.Fatalf("want the poller created by Register and the network usable under a filter without epoll_create1 and eventfd2: %v", r)
	}
}
