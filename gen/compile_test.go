package gen

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sandboxgen/sandboxgen/internal/bpf"
	"github.com/sandboxgen/sandboxgen/internal/systable"
)

var testArches = []string{"amd64", "arm64", "386", "riscv64", "s390x", "ppc64le", "mips64"}

// randomPolicy builds a policy from r: a random subset of the arch's
// syscalls with random actions and, for some, random argument rules whose
// values often differ from interesting inputs only in one 32-bit half.
func randomPolicy(r *rand.Rand, arch string) Policy {
	table, _ := systable.Lookup(arch)
	all := table.Syscalls()
	actions := []Action{Allow, Allow, Allow, Errno(1), Errno(38), Trap, Log, KillProcess, KillThread, Trace(7), UserNotif}
	p := Policy{Arch: arch, Default: actions[r.IntN(len(actions))], Syscalls: map[string][]Rule{}}
	if r.IntN(2) == 0 {
		p.BadArch = actions[r.IntN(len(actions))]
	}
	n := r.IntN(len(all) + 1)
	if r.IntN(4) == 0 {
		n = r.IntN(8)
	}
	for range n {
		s := all[r.IntN(len(all))]
		if r.IntN(5) == 0 {
			p.Syscalls[s.Name] = analysisRuleShape(r)
			continue
		}
		var rules []Rule
		for range r.IntN(3) + 1 {
			rule := Rule{Action: actions[r.IntN(len(actions))]}
			if r.IntN(3) > 0 {
				for range r.IntN(3) + 1 {
					rule.Args = append(rule.Args, randomCond(r))
				}
			}
			rules = append(rules, rule)
		}
		p.Syscalls[s.Name] = rules
	}
	return p
}

// analysisRuleShape returns rules of the shapes the analysis infers (see
// analyzer/argrules.go): one argument allowed only for a list of values
// (socket's families, ioctl's requests, fcntl's commands: up to eight
// OpEqual rules on one index), or only without some bits (clone's
// namespace flags, PROT_EXEC: OpMaskedEqual with value 0), each rule
// allowing and everything else falling to the default.
func analysisRuleShape(r *rand.Rand) []Rule {
	idx := r.IntN(6)
	if r.IntN(2) == 0 {
		mask := randomValue(r)
		return []Rule{{Action: Allow, Args: []ArgCond{{Index: idx, Op: OpMaskedEqual, Mask: mask, Value: 0}}}}
	}
	var rules []Rule
	for range r.IntN(8) + 1 {
		rules = append(rules, Rule{Action: Allow, Args: []ArgCond{{Index: idx, Op: OpEqual, Value: randomValue(r)}}})
	}
	return rules
}

func randomValue(r *rand.Rand) uint64 {
	switch r.IntN(5) {
	case 0:
		return uint64(r.IntN(8))
	case 1:
		return uint64(r.Uint32())
	case 2:
		return uint64(r.Uint32()) << 32
	case 3:
		return ^uint64(0) - uint64(r.IntN(3))
	}
	return r.Uint64()
}

func randomCond(r *rand.Rand) ArgCond {
	return ArgCond{Index: r.IntN(6), Op: ArgOp(r.IntN(int(OpGreaterEqual)) + 1), Value: randomValue(r), Mask: randomValue(r)}
}

// argSamples returns argument vectors that probe the rules of p: each
// rule value, its neighbours, and the same with only the upper or lower
// 32-bit half changed.
func argSamples(r *rand.Rand, p Policy) [][6]uint64 {
	var vals []uint64
	for _, rules := range p.Syscalls {
		for _, rule := range rules {
			for _, a := range rule.Args {
				v := a.Value
				vals = append(vals, v, v+1, v-1, v^(1<<32), v^1, v&0xffffffff, v|0xffffffff00000000, v&a.Mask, v|^a.Mask)
			}
		}
	}
	vals = append(vals, 0, ^uint64(0))
	samples := [][6]uint64{{}}
	for range 24 {
		var s [6]uint64
		for i := range s {
			s[i] = vals[r.IntN(len(vals))]
		}
		samples = append(samples, s)
	}
	return samples
}

// checkProgram holds prog to p's verdict on every number 0..1023, x32
// numbers, a foreign arch and sampled arguments, and checks that every
// allowed syscall without argument rules is in the kernel's action cache.
func checkProgram(t testing.TB, r *rand.Rand, p Policy, prog *Program) {
	t.Helper()
	table, _ := systable.Lookup(p.Arch)
	if err := bpf.Validate(prog.Instructions); err != nil {
		t.Fatalf("invalid program: %v", err)
	}
	nrs := make([]uint32, 0, 1100)
	for nr := uint32(0); nr < 1024; nr++ {
		nrs = append(nrs, nr)
	}
	nrs = append(nrs, 0x40000000, 0x40000001, 0x40000000+1, 0x4000000f, 0x7fffffff, 0xffffffff, 0x3fffffff)
	samples := argSamples(r, p)
	arches := []uint32{table.AuditArch, 0x40000003, 0xdeadbeef}
	for _, arch := range arches {
		for _, nr := range nrs {
			argSets := samples
			if arch != table.AuditArch {
				argSets = samples[:1]
			}
			for _, args := range argSets {
				want, err := p.Verdict(arch, nr, args)
				if err != nil {
					t.Fatal(err)
				}
				got, err := bpf.Run(prog.Instructions, bpf.SeccompData{Nr: nr, Arch: arch, Args: args}, table.BigEndian)
				if err != nil {
					t.Fatalf("interpreter: %v", err)
				}
				if got.Ret != want.Ret() {
					t.Fatalf("%s arch %#x nr %d args %#x: program returns %v, policy says %v\n%s", p.Arch, arch, nr, args, ActionFromRet(got.Ret), want, prog.Disassemble())
				}
			}
		}
	}
	for name, rules := range p.Syscalls {
		if len(rules) == 0 || len(rules[0].Args) != 0 || rules[0].Action != Allow {
			continue
		}
		nr, _ := table.Number(name)
		if !bpf.CacheableAllow(prog.Instructions, table.AuditArch, nr) {
			t.Fatalf("%s: allowed syscall %s (%d) without argument rules is not cacheable", p.Arch, name, nr)
		}
	}
}

func compileAndCheck(t testing.TB, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	arch := testArches[r.IntN(len(testArches))]
	p := randomPolicy(r, arch)
	for _, opts := range []Options{{NoOptimize: true}, {}} {
		prog, err := CompileWith(p, opts)
		if err != nil {
			if strings.Contains(err.Error(), "over the kernel's limit") {
				return
			}
			t.Fatalf("seed %d: %v", seed, err)
		}
		checkProgram(t, r, p, prog)
	}
}

// FuzzCompile checks, for random policies, that the compiled program (both
// unoptimised and optimised) gives the policy's verdict on every input the
// checker tries. The seed corpus under testdata/fuzz runs in plain go test.
func FuzzCompile(f *testing.F) {
	for seed := range uint64(40) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) { compileAndCheck(t, seed) })
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		p    Policy
		want string
	}{
		{"unknown arch", Policy{Arch: "vax", Default: KillProcess}, "supported"},
		{"no default", Policy{Arch: "amd64"}, "no default action"},
		{"unknown name", Policy{Arch: "amd64", Default: KillProcess, Syscalls: map[string][]Rule{"opnat": {{Action: Allow}}}}, `did you mean "openat"`},
		{"arm64 has no open", Policy{Arch: "arm64", Default: KillProcess, Syscalls: map[string][]Rule{"open": {{Action: Allow}}}}, "arm64 has no syscall"},
		{"arg index", Policy{Arch: "amd64", Default: KillProcess, Syscalls: map[string][]Rule{"read": {{Action: Allow, Args: []ArgCond{{Index: 6, Op: OpEqual}}}}}}, "out of range"},
		{"no action", Policy{Arch: "amd64", Default: KillProcess, Syscalls: map[string][]Rule{"read": {{}}}}, "no action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Compile error = %v; want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestTooLong(t *testing.T) {
	p := Policy{Arch: "amd64", Default: KillProcess, Syscalls: map[string][]Rule{}}
	table, _ := systable.Lookup("amd64")
	for _, s := range table.Syscalls() {
		var rules []Rule
		for v := range uint64(4) {
			rules = append(rules, Rule{Action: Allow, Args: []ArgCond{{Index: 0, Op: OpEqual, Value: v}, {Index: 1, Op: OpLess, Value: v << 33}}})
		}
		p.Syscalls[s.Name] = rules
	}
	_, err := Compile(p)
	if err == nil || !strings.Contains(err.Error(), "over the kernel's limit of 4096") {
		t.Fatalf("want a too-long error, got %v", err)
	}
}

// TestLongJumps builds a program whose argument blocks push returns far
// beyond 255 instructions from the dispatch tree.
func TestLongJumps(t *testing.T) {
	p := Policy{Arch: "amd64", Default: Errno(1), Syscalls: map[string][]Rule{}}
	table, _ := systable.Lookup("amd64")
	for i, s := range table.Syscalls()[:120] {
		if i%2 == 0 {
			p.Syscalls[s.Name] = []Rule{{Action: Allow}}
			continue
		}
		p.Syscalls[s.Name] = []Rule{{Action: Allow, Args: []ArgCond{{Index: i % 6, Op: OpGreater, Value: uint64(i) << 31}}}, {Action: Log, Args: []ArgCond{{Index: 0, Op: OpEqual, Value: 3}}}}
	}
	prog, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(prog.Instructions) < 600 {
		t.Fatalf("program only %d long; the test wants jumps over 255", len(prog.Instructions))
	}
	checkProgram(t, rand.New(rand.NewPCG(1, 2)), p, prog)
}

// argRule is an argument rule for path-length tests: allow when args[0]
// is 7.
var argRule = []Rule{{Action: Allow, Args: []ArgCond{{Index: 0, Op: OpEqual, Value: 7}}}}

// TestAllowedPathLength checks the dispatch bound: an allowed syscall
// without argument rules runs at most ⌈log2(ranges)⌉ + 6 instructions,
// also behind the front tests for syscalls with argument rules.
func TestAllowedPathLength(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		table, _ := systable.Lookup(arch)
		for _, n := range []int{1, 10, 40, 350} {
			for _, withArgs := range []int{0, 1, 3} {
				r := rand.New(rand.NewPCG(uint64(n), uint64(7+withArgs)))
				p := Policy{Arch: arch, Default: KillProcess, Syscalls: map[string][]Rule{}}
				all := table.Syscalls()
				for len(p.Syscalls) < min(n, len(all)) {
					p.Syscalls[all[r.IntN(len(all))].Name] = []Rule{{Action: Allow}}
				}
				// Some of them (or others) get argument rules instead.
				for i := 0; i < withArgs; {
					if name := all[r.IntN(len(all))].Name; p.Syscalls[name] == nil || len(p.Syscalls[name][0].Args) == 0 {
						p.Syscalls[name] = argRule
						i++
					}
				}
				checkAllowedPath(t, table, p)
			}
		}
	}
}

func checkAllowedPath(t *testing.T, table *systable.Table, p Policy) {
	t.Helper()
	prog, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	bound := treeDepth(prog.Ranges) + 6
	for name, rules := range p.Syscalls {
		if len(rules[0].Args) > 0 {
			continue
		}
		nr, _ := table.Number(name)
		res, err := bpf.Run(prog.Instructions, bpf.SeccompData{Nr: nr, Arch: table.AuditArch}, table.BigEndian)
		if err != nil {
			t.Fatal(err)
		}
		if res.Executed > bound {
			t.Errorf("%s/%d: %s executes %d instructions; bound ⌈log2(%d)⌉+6 = %d", p.Arch, len(p.Syscalls), name, res.Executed, prog.Ranges, bound)
		}
	}
}

// TestArgumentPathLength checks the front tests: the hottest syscalls with
// argument rules are decided after the arch check, at most maxFrontTests
// comparisons of the number and their argument checks, whatever the size
// of the rest of the policy; the others go through the search.
func TestArgumentPathLength(t *testing.T) {
	table, _ := systable.Lookup("amd64")
	all := table.Syscalls()
	for _, plain := range []int{0, 40, 300} {
		p := Policy{Arch: "amd64", Default: KillProcess, Syscalls: map[string][]Rule{}}
		for _, s := range all[:plain] {
			p.Syscalls[s.Name] = []Rule{{Action: Allow}}
		}
		// openat and futex are hot, so they are tested in front (futex
		// first); getpriority waits for the search.
		for _, name := range []string{"getpriority", "openat", "futex"} {
			p.Syscalls[name] = argRule
		}
		prog, err := Compile(p)
		if err != nil {
			t.Fatal(err)
		}
		checkProgram(t, rand.New(rand.NewPCG(3, uint64(plain))), p, prog)
		// ld arch, jeq, ld nr, the front tests up to this one, ld hi,
		// jeq, ld lo, jeq, ret.
		for i, name := range []string{"futex", "openat"} {
			nr, _ := table.Number(name)
			res, err := bpf.Run(prog.Instructions, bpf.SeccompData{Nr: nr, Arch: table.AuditArch, Args: [6]uint64{7}}, false)
			if err != nil {
				t.Fatal(err)
			}
			if want := 3 + i + 1 + 4 + 1; res.Executed != want || res.Ret != Allow.Ret() {
				t.Errorf("%d plain: %s runs %d instructions to %#x, want %d to ALLOW", plain, name, res.Executed, res.Ret, want)
			}
		}
		nr, _ := table.Number("getpriority")
		res, _ := bpf.Run(prog.Instructions, bpf.SeccompData{Nr: nr, Arch: table.AuditArch, Args: [6]uint64{7}}, false)
		if min := 3 + maxFrontTests + 4 + 1; plain > 0 && res.Executed <= min {
			t.Errorf("%d plain: getpriority runs %d instructions; behind the front tests and a search it needs more than %d", plain, res.Executed, min)
		}
	}
}

func TestDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	p := randomPolicy(r, "amd64")
	a, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, _ := Compile(p)
		if a.Disassemble() != b.Disassemble() || a.PolicyHash != b.PolicyHash {
			t.Fatal("two compilations of one policy differ")
		}
	}
}
