package selfsandbox

import (
	"path/filepath"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"
)

// The functions the go statements of the kinds tests start. Each calls
// reached (at its deepest frame, once running) and then blocks until
// release is closed.

// blockNamed is a named function started with arguments: the compiler
// starts the goroutine in a wrapper, which tracebacks leave out.
func blockNamed(reached func(), release chan struct{}) {
	reached()
	<-release
}

// noArgs hands blockNoArgs, started without arguments (so directly, with
// no wrapper), what it runs.
var noArgs = make(chan *waiter, 1)

func blockNoArgs() {
	w := <-noArgs
	w.reached()
	<-w.release
}

// blockDeeper calls itself depth times before it blocks: the statement
// must be found however deep the goroutine has gone since it started.
func blockDeeper(depth int, reached func(), release chan struct{}) {
	if depth > 0 {
		blockDeeper(depth-1, reached, release)
		return
	}
	reached()
	<-release
}

// waiter's block is started as a method value and by a method call.
type waiter struct {
	reached func()
	release chan struct{}
}

func (w *waiter) block() {
	w.reached()
	<-w.release
}

// startKinds starts one goroutine of every kind: a function literal over
// several lines, a named function with arguments, one without, a method
// value, a method call and a function that calls itself 20 deep first.
// It returns their go statements, each named for its kind.
func startKinds(reached func(), release chan struct{}) []GoStatement {
	w := &waiter{reached, release}
	noArgs <- w
	m := w.block
	_, file, line, _ := runtime.Caller(0)
	go func() {
		reached()
		<-release
	}()
	go blockNamed(reached, release)
	go blockNoArgs()
	go m()
	go w.block()
	go blockDeeper(20, reached, release)
	at := func(kind string, offset, lines int) GoStatement {
		return GoStatement{Func: kind, File: filepath.Base(file), Line: line + offset, EndLine: line + offset + lines - 1}
	}
	return []GoStatement{at("literal", 1, 4), at("named", 5, 1), at("named, no arguments", 6, 1),
		at("method value", 7, 1), at("method call", 8, 1), at("deeper", 9, 1)}
}

// elsewhereStmt started no goroutine: its lines hold no go statement.
func elsewhereStmt() GoStatement {
	_, file, line, _ := runtime.Caller(0)
	return GoStatement{Func: "elsewhere", File: filepath.Base(file), Line: line - 1, EndLine: line}
}

// TestRunningFallbackGoroutineKinds: the Fallback check finds a running
// goroutine whatever its go statement starts (see startKinds), among the
// test binary's other goroutines; it does not report a statement whose
// goroutines are not running, and reports none once they have returned.
func TestRunningFallbackGoroutineKinds(t *testing.T) {
	if numGoroutine() < 2 {
		t.Fatal("the test needs other goroutines than its own, so that every goroutine is checked")
	}
	release := make(chan struct{})
	var started sync.WaitGroup
	started.Add(6)
	stmts := startKinds(started.Done, release)
	started.Wait()
	elsewhere := elsewhereStmt()
	for _, s := range stmts {
		if g, alive := runningFallbackGoroutine([]GoStatement{elsewhere, s}); !alive || !reflect.DeepEqual(g, s) {
			t.Errorf("%s: the running goroutine was missed: got %+v, %v", s.Func, g, alive)
		}
	}
	if g, alive := runningFallbackGoroutine([]GoStatement{elsewhere}); alive {
		t.Errorf("reported %+v, which started no goroutine", g)
	}
	close(release)
	for start := time.Now(); ; time.Sleep(time.Millisecond) {
		g, alive := runningFallbackGoroutine(stmts)
		if !alive {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("%s is still reported 10 s after its goroutine was released", g.Func)
		}
	}
}

// TestRunningFallbackGoroutineKindsAlone: when the caller is the only
// goroutine, it is found by its own stack, whatever its go statement
// started, at its deepest frame.
func TestRunningFallbackGoroutineKindsAlone(t *testing.T) {
	old := numGoroutine
	numGoroutine = func() int { return 1 }
	defer func() { numGoroutine = old }()
	// found[i] is what the i-th goroutine to reach its deepest frame
	// saw; the order of the kinds is not known, so each reports which
	// statement it found and the test checks the set.
	var mu sync.Mutex
	var found []GoStatement
	var stmts []GoStatement
	ready := make(chan struct{})
	var reachedAll sync.WaitGroup
	reachedAll.Add(6)
	release := make(chan struct{})
	reached := func() {
		<-ready // stmts is set
		g, alive := runningFallbackGoroutine(append([]GoStatement{elsewhereStmt()}, stmts...))
		mu.Lock()
		if alive {
			found = append(found, g)
		}
		mu.Unlock()
		reachedAll.Done()
	}
	stmts = startKinds(reached, release)
	close(ready)
	reachedAll.Wait()
	close(release)
	for _, s := range stmts {
		n := 0
		for _, g := range found {
			if reflect.DeepEqual(g, s) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: the goroutine found its own statement %d times, want once (found: %+v)", s.Func, n, found)
		}
	}
}
