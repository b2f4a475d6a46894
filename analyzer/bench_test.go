package analyzer

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkAnalyze analyses one program per iteration (the whole pipeline:
// load, SSA, call graph, sites, runtime baseline) and reports the phases
// and the process's peak resident memory. The program is
// SANDBOXGEN_BENCH_PATTERN in SANDBOXGEN_BENCH_DIR (default: the 249-package
// testdata/bigprog; SANDBOXGEN_BENCH_NOPRUNE=1 turns pruning off).
// scripts/analysis-bench.sh runs it once per process, so
// that the peak is the analysis's own.
func BenchmarkAnalyze(b *testing.B) {
	pattern := os.Getenv("SANDBOXGEN_BENCH_PATTERN")
	if pattern == "" {
		pattern = "./testdata/bigprog"
	}
	cfg := Config{Dir: os.Getenv("SANDBOXGEN_BENCH_DIR"), CallGraph: os.Getenv("SANDBOXGEN_BENCH_CALLGRAPH"),
		NoPrune: os.Getenv("SANDBOXGEN_BENCH_NOPRUNE") != ""}
	var last *Program
	for b.Loop() {
		rep, err := Analyze(cfg, pattern)
		if err != nil {
			b.Fatal(err)
		}
		last = rep.Programs[0]
	}
	tm := last.Timings
	b.ReportMetric(float64(tm.Load.Milliseconds()), "load-ms")
	b.ReportMetric(float64(tm.SSA.Milliseconds()), "ssa-ms")
	b.ReportMetric(float64(tm.CallGraph.Milliseconds()), "callgraph-ms")
	b.ReportMetric(float64(tm.Syscalls.Milliseconds()), "sites-ms")
	b.ReportMetric(float64(last.Packages), "packages")
	b.ReportMetric(float64(len(last.Syscalls)), "allowed")
	b.ReportMetric(float64(countOrigin(last, OriginProgram)), "program-syscalls")
	if hwm, ok := peakRSS(); ok {
		b.ReportMetric(float64(hwm)/1024, "peak-MiB")
	}
}

// peakRSS returns the process's peak resident set size in KiB (VmHWM).
func peakRSS() (int64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
