package bench

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	seccomp "github.com/elastic/go-seccomp-bpf"

	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/rawinstall"
	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// envLoadChild marks a child of BenchmarkLoadFilter; its value names the
// library the child loads the filter with.
const envLoadChild = "SANDBOXGEN_BENCH_LOAD_CHILD"

// BenchmarkLoadFilter compares the latency of installing the same
// allow-list (testdata/webserver.txt, denying the rest with EPERM) with
// selfsandbox.Lock, which installs instructions compiled ahead of time, with
// elastic/go-seccomp-bpf's LoadFilter, which assembles the policy at run
// time, and with the bare prctl(PR_SET_NO_NEW_PRIVS) + seccomp(TSYNC) of
// selfsandbox's instructions (the floor), all with no_new_privs and TSYNC.
// A filter cannot be removed and stacked filters slow each other down, so
// every load runs in a fresh child process that times it once.
//
// side-by-side runs b.N turns of the three, child by child, so that the
// load of a shared machine falls on all alike; its ns/op is selfsandbox's
// median, and elastic/selfsandbox and selfsandbox/bare are the medians of
// the turns' ratios. The per-library sub-benchmarks run one library alone.
//
//	cd bench && go test -run '^$' -bench LoadFilter -benchtime 100x
func BenchmarkLoadFilter(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("seccomp needs Linux")
	}
	re := regexp.MustCompile(`(?m)^load-ns (\d+)$`)
	once := func(b *testing.B, lib string) float64 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLoadFilterChild$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), envLoadChild+"="+lib)
		out, err := cmd.CombinedOutput()
		m := re.FindSubmatch(out)
		if err != nil || m == nil {
			b.Fatalf("child (%s): %v\n%s", lib, err, out)
		}
		v, _ := strconv.ParseFloat(string(m[1]), 64)
		return v
	}
	median := func(v []float64) float64 {
		v = slices.Clone(v)
		slices.Sort(v)
		return v[len(v)/2]
	}
	libs := []string{"selfsandbox", "elastic", "bare"}
	b.Run("side-by-side", func(b *testing.B) {
		ns := map[string][]float64{}
		var elasticRatio, bareRatio []float64
		for range b.N {
			for _, lib := range libs {
				ns[lib] = append(ns[lib], once(b, lib))
			}
			last := len(ns["selfsandbox"]) - 1
			elasticRatio = append(elasticRatio, ns["elastic"][last]/ns["selfsandbox"][last])
			bareRatio = append(bareRatio, ns["selfsandbox"][last]/ns["bare"][last])
		}
		b.ReportMetric(median(ns["selfsandbox"]), "ns/op")
		b.ReportMetric(median(ns["elastic"]), "elastic-ns")
		b.ReportMetric(median(ns["bare"]), "bare-ns")
		b.ReportMetric(median(elasticRatio), "elastic/selfsandbox")
		b.ReportMetric(median(bareRatio), "selfsandbox/bare")
	})
	for _, lib := range libs {
		b.Run(lib, func(b *testing.B) {
			var ns []float64
			for range b.N {
				ns = append(ns, once(b, lib))
			}
			slices.Sort(ns)
			b.ReportMetric(ns[len(ns)/2], "ns/op")
			b.ReportMetric(ns[len(ns)/10], "p10-ns")
			b.ReportMetric(ns[len(ns)*9/10], "p90-ns")
		})
	}
}

// TestLoadFilterChild is BenchmarkLoadFilter's child: it loads the filter
// once with the library named in its environment and prints the time taken.
func TestLoadFilterChild(t *testing.T) {
	lib := os.Getenv(envLoadChild)
	if lib == "" {
		t.Skip("run by BenchmarkLoadFilter in a child process")
	}
	names := readList(t, "webserver.txt")
	var load func() error
	switch lib {
	case "selfsandbox", "bare":
		p := gen.Policy{Arch: runtime.GOARCH, Default: gen.Errno(1), Syscalls: map[string][]gen.Rule{}}
		for _, n := range names {
			p.Syscalls[n] = []gen.Rule{{Action: gen.Allow}}
		}
		prog, err := gen.Compile(p)
		if err != nil {
			t.Fatal(err)
		}
		if lib == "bare" {
			load = rawinstall.Installer(prog.Instructions)
			break
		}
		// As a generated file would: registered before main, so only
		// Lock itself is timed.
		selfsandbox.Register(prog.Selfsandbox(gen.Metadata{GoVersion: runtime.Version()}))
		load = func() error { return selfsandbox.LockWith(selfsandbox.Options{IgnoreEnv: true}) }
	case "elastic":
		f := seccomp.Filter{
			NoNewPrivs: true,
			Flag:       seccomp.FilterFlagTSync,
			Policy: seccomp.Policy{
				DefaultAction: seccomp.ActionErrno,
				Syscalls:      []seccomp.SyscallGroup{{Action: seccomp.ActionAllow, Names: names}},
			},
		}
		load = func() error { return seccomp.LoadFilter(f) }
	default:
		t.Fatalf("%s=%q: want selfsandbox, elastic or bare", envLoadChild, lib)
	}
	runtime.GC()
	start := time.Now()
	err := load()
	d := time.Since(start)
	if err != nil {
		t.Fatalf("%s: %v", lib, err)
	}
	fmt.Printf("load-ns %d\n", d.Nanoseconds())
}
