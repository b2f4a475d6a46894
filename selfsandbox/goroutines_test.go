package selfsandbox

import (
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestRunningGoroutine: the traceback of a live goroutine matches the go
// statement that started it (a statement over several lines included),
// no other, and stops matching once the goroutine has returned.
func TestRunningGoroutine(t *testing.T) {
	release, done := make(chan struct{}), make(chan struct{})
	_, file, line, _ := runtime.Caller(0)
	go func() {
		<-release
		close(done)
	}()
	stmt := GoStatement{Func: "TestRunningGoroutine", File: filepath.Base(file), Line: line + 1, EndLine: line + 4}
	elsewhere := GoStatement{Func: "x", File: stmt.File, Line: line + 20, EndLine: line + 20}
	otherFile := GoStatement{Func: "x", File: "other.go", Line: stmt.Line, EndLine: stmt.EndLine}
	if g, ok := runningGoroutine([]GoStatement{elsewhere, otherFile, stmt}, allStacks()); !ok || g != stmt {
		t.Fatalf("running goroutine not found: got %+v, %v\n%s", g, ok, allStacks())
	}
	if g, ok := runningGoroutine([]GoStatement{elsewhere, otherFile}, allStacks()); ok {
		t.Fatalf("matched %+v, which started no running goroutine", g)
	}
	close(release)
	<-done
	for start := time.Now(); ; time.Sleep(time.Millisecond) {
		if _, ok := runningGoroutine([]GoStatement{stmt}, allStacks()); !ok {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("the goroutine is still listed 10 s after it returned")
		}
	}
}

// TestRunningGoroutineText covers the traceback forms: absolute and
// -trimpath file names, with and without a PC offset, and an unreadable
// (empty) traceback, which must count as a match.
func TestRunningGoroutineText(t *testing.T) {
	stmts := []GoStatement{{Func: "net.(*sysDialer).dialParallel", File: "dial.go", Line: 691, EndLine: 691}}
	tests := []struct {
		name, stacks string
		want         bool
	}{
		{"absolute", "goroutine 7 [IO wait]:\nnet.f()\n\t/usr/local/go/src/net/x.go:1 +0x1\ncreated by net.(*sysDialer).dialParallel in goroutine 1\n\t/usr/local/go/src/net/dial.go:691 +0x2a5\n", true},
		{"trimpath", "goroutine 7 [IO wait]:\ncreated by net.(*sysDialer).dialParallel in goroutine 1\n\tnet/dial.go:691 +0x2a5\n", true},
		{"no offset", "goroutine 7 [IO wait]:\ncreated by net.(*sysDialer).dialParallel in goroutine 1\n\tnet/dial.go:691\n", true},
		{"other line", "goroutine 7 [IO wait]:\ncreated by net.(*sysDialer).dialParallel in goroutine 1\n\tnet/dial.go:692 +0x2a5\n", false},
		{"frame, not creator", "goroutine 7 [IO wait]:\nnet.f()\n\t/usr/local/go/src/net/dial.go:691 +0x1\n", false},
		{"unreadable", "", true},
	}
	for _, tc := range tests {
		if _, got := runningGoroutine(stmts, tc.stacks); got != tc.want {
			t.Errorf("%s: match = %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, got := runningGoroutine(nil, ""); got {
		t.Error("no statements matched an unreadable traceback")
	}
}

// TestRunningFallbackGoroutineAlone: when the caller is the only goroutine,
// its own traceback decides: a caller started at one of the statements is a
// goroutine still running, a caller started elsewhere is not, and both
// answers equal what every goroutine's tracebacks say about the caller.
func TestRunningFallbackGoroutineAlone(t *testing.T) {
	old := numGoroutine
	numGoroutine = func() int { return 1 }
	defer func() { numGoroutine = old }()
	type answer struct {
		g      GoStatement
		alive  bool
		allSay bool
	}
	_, file, line, _ := runtime.Caller(0)
	stmt := GoStatement{Func: "TestRunningFallbackGoroutineAlone", File: filepath.Base(file), Line: line + 5, EndLine: line + 9}
	elsewhere := GoStatement{Func: "x", File: stmt.File, Line: line + 30, EndLine: line + 30}
	for _, stmts := range [][]GoStatement{{elsewhere, stmt}, {elsewhere}} {
		res := make(chan answer)
		go func() {
			g, alive := runningFallbackGoroutine(stmts)
			_, all := runningGoroutine(stmts, allStacks())
			res <- answer{g, alive, all}
		}()
		a := <-res
		want := len(stmts) == 2
		if a.alive != want || (want && a.g != stmt) {
			t.Errorf("statements %+v: got %+v, %v; want a match %v", stmts, a.g, a.alive, want)
		}
		if a.allSay != want {
			t.Errorf("statements %+v: every goroutine's tracebacks say %v, want %v", stmts, a.allSay, want)
		}
	}
	if _, alive := runningFallbackGoroutine(nil); alive {
		t.Error("no statements matched")
	}
}

// BenchmarkRunningFallbackGoroutine times the Fallback check's paths, warm,
// in the test process (nothing is installed): "main-check" is what the
// check costs a lone caller on the main goroutine (the stack's bottom
// frames; the benchmark runs elsewhere, so it measures the same work),
// "alone" a lone caller on another goroutine (its own traceback), "all"
// every goroutine's traceback, which stops the world.
func BenchmarkRunningFallbackGoroutine(b *testing.B) {
	b.Run("main-check", func(b *testing.B) {
		for b.Loop() {
			if onMainGoroutine() {
				b.Fatal("a benchmark runs on the main goroutine")
			}
		}
	})
	stmts := []GoStatement{{Func: "none", File: "none.go", Line: 1, EndLine: 1}}
	for _, alone := range []bool{true, false} {
		name := "all"
		if alone {
			name = "alone"
		}
		b.Run(name, func(b *testing.B) {
			old := numGoroutine
			if alone {
				numGoroutine = func() int { return 1 }
			}
			defer func() { numGoroutine = old }()
			for b.Loop() {
				if _, ok := runningFallbackGoroutine(stmts); ok {
					b.Fatal("matched a statement that started nothing")
				}
			}
		})
	}
}
