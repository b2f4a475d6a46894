package selfsandbox

import (
	"os"
	"testing"
)

// mainGoroutineSeen is what onMainGoroutine said on the main goroutine,
// where TestMain runs; the tests run on other goroutines.
var mainGoroutineSeen bool

func TestMain(m *testing.M) {
	mainGoroutineSeen = onMainGoroutine()
	os.Exit(m.Run())
}

// TestOnMainGoroutine: onMainGoroutine tells the main goroutine from a
// test's goroutine and from one started by a go statement.
func TestOnMainGoroutine(t *testing.T) {
	if !mainGoroutineSeen {
		t.Error("onMainGoroutine was false on the main goroutine (TestMain)")
	}
	if onMainGoroutine() {
		t.Error("onMainGoroutine was true on a test's goroutine")
	}
	res := make(chan bool)
	go func() { res <- onMainGoroutine() }()
	if <-res {
		t.Error("onMainGoroutine was true on a goroutine started by a go statement")
	}
}
