package bench

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/net/bpf"

	"github.com/sandboxgen/sandboxgen/gen"
	ibpf "github.com/sandboxgen/sandboxgen/internal/bpf"
	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// readList reads a whitespace-separated list of syscall names from
// testdata, skipping # comments, and keeps the names both our amd64 table
// and elastic's know, so that both libraries compile the same list.
func readList(tb testing.TB, file string) []string {
	tb.Helper()
	data, err := os.ReadFile("testdata/" + file)
	if err != nil {
		tb.Fatal(err)
	}
	table, err := systable.Lookup(runtime.GOARCH)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	seen := map[uint32]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, n := range strings.Fields(line) {
			nr, ok := table.Number(n)
			if !ok || seen[nr] || !elasticKnows(n) {
				continue
			}
			seen[nr] = true
			names = append(names, n)
		}
	}
	return names
}

func elasticKnows(name string) bool {
	p := seccomp.Policy{DefaultAction: seccomp.ActionErrno, Syscalls: []seccomp.SyscallGroup{{Action: seccomp.ActionAllow, Names: []string{name}}}}
	_, err := p.Assemble()
	return err == nil
}

func ours(tb testing.TB, names []string) []ibpf.Instruction {
	p := gen.Policy{Arch: runtime.GOARCH, Default: gen.Errno(1), Syscalls: map[string][]gen.Rule{}}
	for _, n := range names {
		p.Syscalls[n] = []gen.Rule{{Action: gen.Allow}}
	}
	prog, err := gen.Compile(p)
	if err != nil {
		tb.Fatal(err)
	}
	return prog.Instructions
}

func elastics(tb testing.TB, names []string) []ibpf.Instruction {
	p := seccomp.Policy{DefaultAction: seccomp.ActionErrno, Syscalls: []seccomp.SyscallGroup{{Action: seccomp.ActionAllow, Names: names}}}
	insns, err := p.Assemble()
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := bpf.Assemble(insns)
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]ibpf.Instruction, len(raw))
	for i, r := range raw {
		out[i] = ibpf.Instruction{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	return out
}

// pathStats is how many instructions a program executes.
type pathStats struct {
	length                  int
	allowedMax, deniedMax   int
	allowedMean, deniedMean float64
	cacheable               int // allowed syscalls the kernel's action cache takes
}

func measure(tb testing.TB, prog []ibpf.Instruction, names []string) pathStats {
	table, _ := systable.Lookup(runtime.GOARCH)
	allowed := map[uint32]bool{}
	for _, n := range names {
		nr, _ := table.Number(n)
		allowed[nr] = true
	}
	s := pathStats{length: len(prog)}
	var nA, nD, sumA, sumD int
	for _, sc := range table.Syscalls() {
		res, err := ibpf.Run(prog, ibpf.SeccompData{Nr: sc.Nr, Arch: table.AuditArch}, table.BigEndian)
		if err != nil {
			tb.Fatal(err)
		}
		want := uint32(0x00050001)
		if allowed[sc.Nr] {
			want = ibpf.SeccompRetAllow
		}
		if res.Ret != want {
			tb.Fatalf("%s: returns %#x, want %#x", sc.Name, res.Ret, want)
		}
		if allowed[sc.Nr] {
			nA++
			sumA += res.Executed
			s.allowedMax = max(s.allowedMax, res.Executed)
			if ibpf.CacheableAllow(prog, table.AuditArch, sc.Nr) {
				s.cacheable++
			}
		} else {
			nD++
			sumD += res.Executed
			s.deniedMax = max(s.deniedMax, res.Executed)
		}
	}
	s.allowedMean = float64(sumA) / float64(max(nA, 1))
	s.deniedMean = float64(sumD) / float64(max(nD, 1))
	return s
}

// TestDispatchComparison prints, for a net/http server's allow-list and
// Docker's default profile, the program length and instructions executed
// by our compiler and by elastic/go-seccomp-bpf v1.6.0 for the same list,
// measured with the interpreter over every syscall of the arch, and holds
// our programs to the targets: an allowed syscall runs at most
// ⌈log2(ranges)⌉+6 instructions, and at Docker's size at least 5× fewer
// than elastic's (mean over allowed syscalls).
func TestDispatchComparison(t *testing.T) {
	var report strings.Builder
	fmt.Fprintf(&report, "\n%-22s %-10s %6s %8s %9s %8s %9s %9s\n", "list", "compiler", "length", "allowMax", "allowMean", "denyMax", "denyMean", "cacheable")
	for _, list := range []string{"webserver.txt", "docker-default.txt"} {
		names := readList(t, list)
		o := measure(t, ours(t, names), names)
		e := measure(t, elastics(t, names), names)
		for _, row := range []struct {
			name string
			s    pathStats
		}{{"sandboxgen", o}, {"elastic", e}} {
			fmt.Fprintf(&report, "%-22s %-10s %6d %8d %9.1f %8d %9.1f %5d/%-3d\n", fmt.Sprintf("%s(%d)", strings.TrimSuffix(list, ".txt"), len(names)), row.name, row.s.length, row.s.allowedMax, row.s.allowedMean, row.s.deniedMax, row.s.deniedMean, row.s.cacheable, len(names))
		}
		p := gen.Policy{Arch: runtime.GOARCH, Default: gen.Errno(1), Syscalls: map[string][]gen.Rule{}}
		for _, n := range names {
			p.Syscalls[n] = []gen.Rule{{Action: gen.Allow}}
		}
		prog, _ := gen.Compile(p)
		bound := int(math.Ceil(math.Log2(float64(prog.Ranges)))) + 6
		if o.allowedMax > bound {
			t.Errorf("%s: allowed syscalls run up to %d instructions; target ⌈log2(%d)⌉+6 = %d", list, o.allowedMax, prog.Ranges, bound)
		}
		if o.cacheable != len(names) {
			t.Errorf("%s: only %d of %d allowed syscalls are cacheable", list, o.cacheable, len(names))
		}
		if list == "docker-default.txt" {
			if ratio := e.allowedMean / o.allowedMean; ratio < 5 {
				t.Errorf("docker list: elastic runs %.1f instructions per allowed syscall on average, we run %.1f: only %.1f× fewer (target 5×)", e.allowedMean, o.allowedMean, ratio)
			}
			fmt.Fprintf(&report, "docker list: %.1f× fewer instructions per allowed syscall than elastic (mean), %.1f× (max)\n", e.allowedMean/o.allowedMean, float64(e.allowedMax)/float64(o.allowedMax))
		}
	}
	t.Log(report.String())
}

// BenchmarkCompile measures gen.Compile on Docker's list.
func BenchmarkCompile(b *testing.B) {
	names := readList(b, "docker-default.txt")
	p := gen.Policy{Arch: runtime.GOARCH, Default: gen.Errno(1), Syscalls: map[string][]gen.Rule{}}
	for _, n := range names {
		p.Syscalls[n] = []gen.Rule{{Action: gen.Allow}}
	}
	for b.Loop() {
		if _, err := gen.Compile(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDispatch reports the same figures as TestDispatchComparison as
// benchmark metrics (instructions, not time: the interpreter counts them).
func BenchmarkDispatch(b *testing.B) {
	for _, list := range []string{"webserver.txt", "docker-default.txt"} {
		names := readList(b, list)
		for _, c := range []struct {
			name  string
			build func(testing.TB, []string) []ibpf.Instruction
		}{{"sandboxgen", ours}, {"elastic", elastics}} {
			b.Run(strings.TrimSuffix(list, ".txt")+"/"+c.name, func(b *testing.B) {
				prog := c.build(b, names)
				var s pathStats
				for b.Loop() {
					s = measure(b, prog, names)
				}
				b.ReportMetric(float64(s.length), "insns")
				b.ReportMetric(float64(s.allowedMax), "allow-max")
				b.ReportMetric(s.allowedMean, "allow-mean")
				b.ReportMetric(float64(s.deniedMax), "deny-max")
				b.ReportMetric(s.deniedMean, "deny-mean")
			})
		}
	}
}
