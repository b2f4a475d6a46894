package analyzer

import (
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

// gcPercentNow returns the GC percent as the runtime reports it, or -1
// when the collector is off.
func gcPercentNow() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	if p := s[0].Value.Uint64(); p <= 1<<20 {
		return int(p)
	}
	return -1
}

// TestBuildGC checks that raiseGC raises the GC percent while packages
// load and the SSA is built, puts it back when the last of overlapping
// analyses restores it (each restore counting once however often it is
// called), and leaves a collector that is off alone.
func TestBuildGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, tc := range []struct {
		name         string
		before       int
		during, last int // with one load, and with two overlapping after the first ends
	}{
		{"default", 100, 100 * buildGCFactor, 100 * buildGCFactor},
		{"GOGC=50", 50, 50 * buildGCFactor, 50 * buildGCFactor},
		{"off", -1, -1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(tc.before)
			first := raiseGC()
			if got := gcPercentNow(); got != tc.during {
				t.Errorf("during a load: GC percent %d, want %d", got, tc.during)
			}
			second := raiseGC()
			first()
			first() // Analyze restores when the SSA is built, and again when it returns
			if got := gcPercentNow(); got != tc.last {
				t.Errorf("while a second analysis loads: GC percent %d, want %d", got, tc.last)
			}
			second()
			if got := gcPercentNow(); got != tc.before {
				t.Errorf("after the loads: GC percent %d, want %d", got, tc.before)
			}
		})
	}
}
