package selfsandbox_test

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/rawinstall"
	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// Lock is one-way and filters stack, so no benchmark here installs a filter
// in the go test process. Each starts fresh child processes of the test
// binary (marked by envBenchChild) and reports what they measured:
//
//   - BenchmarkLock: every child times exactly one Lock() of a realistic
//     program (the runtime's syscalls plus the test's own) in a fresh
//     process, as a program would run it once at start. The reported ns/op
//     is the median over b.N children; p10/p90 show the spread.
//   - BenchmarkSyscall: one child per filter scenario runs the standard
//     benchmark loop under that filter, -count times; the reported ns/op is
//     the median of its runs.
const envBenchChild = "SELFSANDBOX_BENCH_CHILD"

// benchChild is the scenario this process measures, or "" in the parent.
var benchChild = os.Getenv(envBenchChild)

// execSelf runs this test binary with args and env added, and returns its
// standard output; it fails b when the child fails.
func execSelf(b *testing.B, env []string, args ...string) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		b.Fatalf("child %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, out, stderr)
	}
	return string(out)
}

func sortedCopy(v []float64) []float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	return v
}

func percentile(sorted []float64, p float64) float64 {
	return sorted[int(p*float64(len(sorted)-1)+0.5)]
}

// BenchmarkLock measures the latency of Lock(): NNP, the action check and
// seccomp(SECCOMP_SET_MODE_FILTER, TSYNC) with the generated instructions
// over every thread of a fresh process.
//
// The fallback case registers a program with a Fallback whose go statement
// started no running goroutine: Lock checks the running goroutines (the
// test binary runs one besides the caller), finds none, and installs the
// program's own filter. The stw case is Lock after one stop of the world
// (runtime.ReadMemStats), the least any listing of other goroutines costs:
// runtime.Stack and runtime.GoroutineProfile both stop the world (the
// latter twice). The bare case is the floor:
// prctl(PR_SET_NO_NEW_PRIVS) and seccomp(SECCOMP_SET_MODE_FILTER, TSYNC) of
// the same instructions, raw, without runtime.LockOSThread or any check.
//
// The variants take turns, child by child (lock, lock-fallback, lock-stw,
// bare, lock, ...), so that the load of a shared machine falls on all of them alike;
// the lock-to-bare ratio is the median of the ratios of each turn's
// children.
func BenchmarkLock(b *testing.B) {
	needKernelB(b)
	allow, errno := runtimeSyscalls(b)
	variants := []string{"lock", "lock-fallback", "lock-stw", "bare"}
	re := regexp.MustCompile(`(?m)^lock-ns (\d+) insns (\d+) threads (\d+)$`)
	// measure runs n turns of every variant and returns each variant's
	// nanoseconds, turn by turn.
	measure := func(b *testing.B, n int) (map[string][]float64, string, string) {
		ns := map[string][]float64{}
		var insns, threads string
		for range n {
			for _, variant := range variants {
				env := []string{envBenchChild + "=" + variant, envAllow + "=" + allow, envErrno + "=" + errno}
				out := execSelf(b, env, "-test.run=^TestLockLatencyChild$", "-test.count=1", "-test.v")
				m := re.FindStringSubmatch(out)
				if m == nil {
					b.Fatalf("the %s child did not report its latency:\n%s", variant, out)
				}
				v, _ := strconv.ParseFloat(m[1], 64)
				ns[variant] = append(ns[variant], v)
				insns, threads = m[2], m[3]
			}
		}
		return ns, insns, threads
	}
	report := func(b *testing.B, ns []float64) {
		ns = slices.Clone(ns)
		slices.Sort(ns)
		b.ReportMetric(percentile(ns, 0.5), "ns/op")
		b.ReportMetric(percentile(ns, 0.1), "p10-ns")
		b.ReportMetric(percentile(ns, 0.9), "p90-ns")
	}
	ratio := func(a, bare []float64) float64 {
		var r []float64
		for i := range a {
			r = append(r, a[i]/bare[i])
		}
		slices.Sort(r)
		return percentile(r, 0.5)
	}
	// The side-by-side run: b.N turns of the three variants.
	b.Run("side-by-side", func(b *testing.B) {
		ns, insns, threads := measure(b, b.N)
		report(b, ns["lock"])
		b.ReportMetric(ratio(ns["lock"], ns["bare"]), "lock/bare")
		b.ReportMetric(ratio(ns["lock-fallback"], ns["bare"]), "fallback/bare")
		b.ReportMetric(percentile(sortedCopy(ns["bare"]), 0.5), "bare-ns")
		b.ReportMetric(percentile(sortedCopy(ns["lock-fallback"]), 0.5), "fallback-ns")
		b.ReportMetric(ratio(ns["lock-stw"], ns["bare"]), "stw/bare")
		b.ReportMetric(percentile(sortedCopy(ns["lock-stw"]), 0.5), "stw-ns")
		b.Logf("%s instructions over %s threads, %d turns of fresh processes", insns, threads, b.N)
	})
	for _, variant := range variants {
		b.Run(variant, func(b *testing.B) {
			old := variants
			variants = []string{variant}
			defer func() { variants = old }()
			ns, insns, threads := measure(b, b.N)
			report(b, ns[variant])
			b.Logf("%s of %s instructions over %s threads, %d fresh processes", variant, insns, threads, b.N)
		})
	}
}

// TestLockLatencyChild is BenchmarkLock's child; it does nothing in a
// normal test run.
func TestLockLatencyChild(t *testing.T) {
	if !slices.Contains([]string{"lock", "lock-fallback", "lock-stw", "bare"}, benchChild) {
		t.Skip("run by BenchmarkLock in a child process")
	}
	p := childPolicy(t)
	prog, err := gen.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	meta := gen.Metadata{GoVersion: runtime.Version(), Cgo: true} // childPolicy has the cgo group
	if benchChild == "lock-fallback" {
		wide, err := gen.Compile(childPolicy(t, "getppid"))
		if err != nil {
			t.Fatal(err)
		}
		meta.Fallback = &gen.Fallback{Program: wide, Goroutines: []selfsandbox.GoStatement{{Func: "none", File: "none.go", Line: 1, EndLine: 1}}}
	}
	lock := selfsandbox.Lock
	if benchChild == "lock-stw" {
		lock = func() error {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms) // stops the world, once
			return selfsandbox.Lock()
		}
	}
	if benchChild == "bare" {
		lock = rawinstall.Installer(prog.Instructions)
	} else {
		selfsandbox.Register(prog.Selfsandbox(meta))
	}
	runtime.GC()
	start := time.Now()
	err = lock()
	d := time.Since(start)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	tasks, _ := os.ReadDir("/proc/self/task")
	fmt.Printf("lock-ns %d insns %d threads %d\n", d.Nanoseconds(), len(prog.Instructions), len(tasks))
}

// The syscalls BenchmarkSyscall times: getpid is allowed unconditionally
// by the program (the kernel's action cache should answer it without
// running the filter); getpriority(PRIO_PROCESS, 0) is allowed by an
// argument rule, so the filter runs for it. Neither the runtime nor the
// testing package makes getpriority, so its rule is all that decides it.
func callGetpid() { unix.RawSyscall(unix.SYS_GETPID, 0, 0, 0) }

func callGetpriority() { unix.RawSyscall(unix.SYS_GETPRIORITY, unix.PRIO_PROCESS, 0, 0) }

var installOnce sync.Once

// bigEndian reports the byte order of seccomp_data's argument words here.
var bigEndian = func() bool { x := uint16(1); return *(*byte)(unsafe.Pointer(&x)) == 0 }()

// installScenario installs, once per child process, the filter of the
// scenario: "none", "allowall" (one RET ALLOW: the kernel's floor for any
// filter), "argonly" (six instructions that check getpriority's first
// argument and allow everything else), "argpad" (the same after 40 loads)
// or "ours" (the runtime's syscalls and the test's own, compiled by
// gen, plus getpriority under an argument rule).
func installScenario(b *testing.B, filter string) {
	installOnce.Do(func() {
		switch filter {
		case "none":
			return
		case "allowall":
			audit, _ := selfsandbox.AuditArch(runtime.GOARCH)
			selfsandbox.Register(selfsandbox.Program{
				Arch: runtime.GOARCH, AuditArch: audit, DefaultAction: 0x80000000, GoVersion: runtime.Version(), Cgo: true,
				Instructions: []selfsandbox.Instruction{{Code: 0x06, K: 0x7fff0000}},
			})
		case "argonly", "argpad":
			// The smallest filter that must run for getpriority: what
			// any argument rule costs before the program's own length.
			// argpad puts 40 loads of nr in front, to show what the
			// length costs.
			audit, _ := selfsandbox.AuditArch(runtime.GOARCH)
			lo := uint32(16) // offsetof(seccomp_data, args[0]), low word
			if bigEndian {
				lo += 4
			}
			var insns []selfsandbox.Instruction
			if filter == "argpad" {
				for range 40 {
					insns = append(insns, selfsandbox.Instruction{Code: 0x20, K: 0})
				}
			}
			selfsandbox.Register(selfsandbox.Program{
				Arch: runtime.GOARCH, AuditArch: audit, DefaultAction: 0x00050001, GoVersion: runtime.Version(), Cgo: true,
				Instructions: append(insns, []selfsandbox.Instruction{
					{Code: 0x20, K: 0},                           // ld nr
					{Code: 0x15, Jf: 3, K: unix.SYS_GETPRIORITY}, // jeq getpriority
					{Code: 0x20, K: lo},                          // ld args[0] (low)
					{Code: 0x15, Jt: 1, K: unix.PRIO_PROCESS},    // jeq PRIO_PROCESS
					{Code: 0x06, K: 0x00050001},                  // ret ERRNO(EPERM)
					{Code: 0x06, K: 0x7fff0000},                  // ret ALLOW
				}...),
			})
		case "ours":
			p := childPolicy(b)
			p.Syscalls["getpriority"] = []gen.Rule{{Action: gen.Allow, Args: []gen.ArgCond{
				{Index: 0, Op: gen.OpEqual, Value: unix.PRIO_PROCESS},
				{Index: 1, Op: gen.OpEqual, Value: 0},
			}}}
			registerPolicy(b, p)
		default:
			b.Fatalf("unknown filter scenario %q", filter)
		}
		if err := selfsandbox.LockWith(selfsandbox.Options{IgnoreEnv: true}); err != nil {
			b.Fatalf("Lock: %v", err)
		}
	})
}

// syscallCalls are the calls BenchmarkSyscall times, by name.
var syscallCalls = []struct {
	name string
	fn   func()
}{{"getpid", callGetpid}, {"getpriority-argrule", callGetpriority}}

var syscallFilters = []string{"none", "allowall", "argonly", "argpad", "ours"}

// syscallResults holds, per "filter/call", the ns/op of every child run.
var syscallResults struct {
	sync.Once
	ns map[string][]float64
}

// measureSyscalls runs the children of BenchmarkSyscall in rounds, every
// scenario once per round, so that noise from the rest of the machine is
// spread over all scenarios instead of landing on one.
func measureSyscalls(b *testing.B) map[string][]float64 {
	syscallResults.Do(func() {
		allow, errno := runtimeSyscalls(b)
		syscallResults.ns = map[string][]float64{}
		re := regexp.MustCompile(`\s([\d.]+) ns/op`)
		for range 7 {
			for _, filter := range syscallFilters {
				for _, c := range syscallCalls {
					name := filter + "/" + c.name
					out := execSelf(b, []string{envBenchChild + "=" + name, envAllow + "=" + allow, envErrno + "=" + errno},
						"-test.run=^$", "-test.bench=^BenchmarkSyscall$/^"+filter+"$/^"+c.name+"$",
						"-test.count=3", "-test.benchtime=200ms", "-test.cpu=1")
					ms := re.FindAllStringSubmatch(out, -1)
					if len(ms) == 0 {
						b.Fatalf("the child reported no ns/op:\n%s", out)
					}
					for _, m := range ms {
						v, _ := strconv.ParseFloat(m[1], 64)
						syscallResults.ns[name] = append(syscallResults.ns[name], v)
					}
				}
			}
		}
	})
	return syscallResults.ns
}

// BenchmarkSyscall reports the cost of one system call under no filter,
// an allow-all filter (the kernel's floor for a filtered process), a
// six-instruction argument filter, the same with 40 more instructions on
// its path, and our filter: getpid, which the programs allow outright, and
// getpriority, which they allow under an argument rule. Run it with
// go test -run '^$' -bench BenchmarkSyscall ./selfsandbox; ns/op is the
// median of 21 child runs per scenario (7 interleaved rounds of 3), and
// over-floor-ns the median of the differences to the allow-all run of the
// same round. The iteration column counts the parent's passes, which only
// report what the children measured; it says nothing about the syscalls.
func BenchmarkSyscall(b *testing.B) {
	needKernelB(b)
	for _, filter := range syscallFilters {
		for _, c := range syscallCalls {
			name := filter + "/" + c.name
			b.Run(name, func(b *testing.B) {
				if benchChild != "" {
					// The child: install the filter, then the loop.
					installScenario(b, filter)
					for b.Loop() {
						c.fn()
					}
					return
				}
				all := measureSyscalls(b)
				ns := slices.Clone(all[name])
				slices.Sort(ns)
				b.ReportMetric(percentile(ns, 0.5), "ns/op")
				b.ReportMetric(percentile(ns, 0.1), "p10-ns")
				b.ReportMetric(percentile(ns, 0.9), "p90-ns")
				if filter != "allowall" {
					// Run i of every scenario comes from the same
					// round, seconds apart: the median of the
					// differences is steadier than the difference
					// of the medians.
					floor := all["allowall/"+c.name]
					var diff []float64
					for i, v := range all[name] {
						diff = append(diff, v-floor[i])
					}
					slices.Sort(diff)
					b.ReportMetric(percentile(diff, 0.5), "over-floor-ns")
				}
			})
		}
	}
}

// needKernelB skips a benchmark unless filters can be installed here.
func needKernelB(b *testing.B) {
	b.Helper()
	if _, ok := selfsandbox.AuditArch(runtime.GOARCH); !ok || runtime.GOOS != "linux" {
		b.Skipf("seccomp benchmarks need Linux on a supported architecture")
	}
}
