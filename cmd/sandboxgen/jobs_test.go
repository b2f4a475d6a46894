package main

import (
	"errors"
	"runtime"
	"syscall"
	"testing"
)

// TestAnalysisJobs: SANDBOXGEN_JOBS decides when set (a bad value is a
// usage error that says what to give), GOMEMLIMIT and a single
// architecture mean one at a time, and otherwise the cores and the
// available memory bound the count.
func TestAnalysisJobs(t *testing.T) {
	avail, haveMemory := availableMemory()
	if !haveMemory {
		t.Fatal("availableMemory: no reading on this machine")
	}
	// Lanes that need a byte are bound by the cores alone; lanes that need
	// more than the machine has, by the memory. (Neither depends on what
	// the machine has free at the moment.)
	const lane = 1
	for _, tt := range []struct {
		name      string
		jobs      string
		memlimit  string
		lanes     int
		lane      uint64 // the memory each needs; 1 byte when 0
		want      int
		wantUsage bool
	}{
		{name: "one architecture", lanes: 1, want: 1},
		{name: "set to one", jobs: "1", lanes: 2, want: 1},
		{name: "set above the architectures", jobs: "8", lanes: 2, want: 2},
		{name: "set to zero", jobs: "0", lanes: 2, wantUsage: true},
		{name: "not a number", jobs: "all", lanes: 2, wantUsage: true},
		{name: "GOMEMLIMIT", memlimit: "600MiB", lanes: 2, want: 1},
		{name: "bound by the cores", lanes: 3, want: max(1, min(3, runtime.GOMAXPROCS(0)))},
		{name: "more than the machine has", lanes: 2, lane: 2*avail + 1, want: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envJobs, tt.jobs)
			t.Setenv("GOMEMLIMIT", tt.memlimit)
			need := uint64(lane)
			if tt.lane != 0 {
				need = tt.lane
			}
			got, err := analysisJobs(tt.lanes, need)
			var usage *usageError
			if tt.wantUsage {
				if !errors.As(err, &usage) {
					t.Fatalf("analysisJobs(%d) with %s=%q: %v, want a usage error", tt.lanes, envJobs, tt.jobs, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("analysisJobs(%d) = %d, %v; want %d", tt.lanes, got, err, tt.want)
			}
		})
	}
}

// TestMemAvailable: the reading is the kernel's: more than nothing and
// no more than the machine's memory (sysinfo).
func TestMemAvailable(t *testing.T) {
	avail, ok := memAvailable()
	var info syscall.Sysinfo_t
	if err := syscall.Sysinfo(&info); err != nil {
		t.Fatal(err)
	}
	total := uint64(info.Totalram) * uint64(info.Unit)
	if !ok || avail == 0 || avail > total {
		t.Fatalf("memAvailable() = %d MiB, %v; the machine has %d MiB", avail>>20, ok, total>>20)
	}
	if room, ok := cgroupRoom(); ok && room == 0 {
		t.Errorf("cgroupRoom() = 0 in a process that runs")
	}
}
