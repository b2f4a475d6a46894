package selfsandbox_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/childtest"
	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// TestFallback: a program whose own filter denies getppid carries a
// Fallback that allows it, for a goroutine started before Lock. Lock
// installs the fallback exactly when that goroutine is still running:
// then getppid works; otherwise the program's own filter is in force and
// getppid kills the process.
func TestFallback(t *testing.T) {
	needKernel(t)
	for _, alive := range []bool{true, false} {
		t.Run(fmt.Sprintf("alive=%v", alive), func(t *testing.T) {
			if childtest.InChild(t) {
				narrow, err := gen.Compile(childPolicy(t))
				if err != nil {
					t.Fatal(err)
				}
				wide, err := gen.Compile(childPolicy(t, "getppid"))
				if err != nil {
					t.Fatal(err)
				}
				release, started, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
				_, file, line, _ := runtime.Caller(0)
				go func() {
					close(started)
					<-release
					close(done)
				}()
				<-started
				stmt := selfsandbox.GoStatement{Func: "TestFallback", File: filepath.Base(file), Line: line + 1, EndLine: line + 5}
				selfsandbox.Register(narrow.Selfsandbox(gen.Metadata{GoVersion: runtime.Version(), Cgo: true,
					Fallback: &gen.Fallback{Program: wide, Goroutines: []selfsandbox.GoStatement{stmt}}}))
				if !alive {
					close(release)
					<-done
					waitGone(t, stmt)
				}
				if err := selfsandbox.Lock(); err != nil {
					t.Fatalf("Lock: %v", err)
				}
				st := selfsandbox.Current()
				fmt.Printf("fallback=%q allowed=%d\n", st.Fallback, st.Allowed)
				ppid, e := probeDenied()
				fmt.Printf("getppid: %d errno=%d\n", ppid, int(e))
				if alive {
					close(release)
					<-done
				}
				return
			}
			r := runChild(t)
			if alive {
				if r.ExitCode != 0 || !strings.Contains(r.Stdout, `fallback="a goroutine started before Lock at fallback_linux_test.go:`) ||
					!strings.Contains(r.Stdout, "getppid: ") || strings.Contains(r.Stdout, "getppid: 0 ") {
					t.Fatalf("want the fallback installed and getppid allowed: %v", r)
				}
			} else {
				if r.Signal != syscall.SIGSYS || !strings.Contains(r.Stdout, `fallback=""`) || strings.Contains(r.Stdout, "getppid:") {
					t.Fatalf("want the program's own filter installed and the child killed at getppid: %v", r)
				}
			}
		})
	}
}

// waitGone waits until no goroutine started at stmt is listed: a goroutine
// that has closed its last channel may not have returned yet.
func waitGone(t *testing.T, stmt selfsandbox.GoStatement) {
	t.Helper()
	for i := 0; ; i++ {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		listed := false
		for l := stmt.Line; l <= stmt.EndLine; l++ {
			listed = listed || strings.Contains(stacks, fmt.Sprintf("/%s:%d ", stmt.File, l))
		}
		if !listed {
			return
		}
		if i > 10000 {
			t.Fatal("the goroutine did not return")
		}
		runtime.Gosched()
	}
}
