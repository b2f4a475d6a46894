package gen

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"

	"github.com/sandboxgen/sandboxgen/internal/bpf"
	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// Program is a compiled seccomp filter for one architecture.
type Program struct {
	Arch         string            // GOARCH
	AuditArch    uint32            // AUDIT_ARCH_* checked first
	BigEndian    bool              // byte order of the argument words
	Instructions []bpf.Instruction // the filter
	Default      Action            // the policy's default action
	BadArch      Action            // the action for a foreign arch or the x32 ABI
	// Allowed lists the syscalls that some input allows (without or
	// under argument rules), sorted by name.
	Allowed []NamedSyscall
	// Ranges is the number of syscall-number ranges the dispatch tree
	// searches: an allowed syscall without argument rules is decided
	// after at most ⌈log2(Ranges)⌉ comparisons.
	Ranges int
	// PolicyHash is a hex SHA-256 of the policy's canonical form.
	PolicyHash string
}

// NamedSyscall is a syscall name with its number on the program's arch.
type NamedSyscall struct {
	Name string
	Nr   uint32
}

// Options changes how Compile works; the zero value is what Compile uses.
type Options struct {
	// NoOptimize skips the optimizer. Tests use it to check that the
	// optimizer keeps the program's meaning.
	NoOptimize bool
}

// Compile compiles p into a seccomp-BPF program.
func Compile(p Policy) (*Program, error) { return CompileWith(p, Options{}) }

// CompileWith compiles p with the given options.
func CompileWith(p Policy, opts Options) (*Program, error) {
	c, err := resolve(p)
	if err != nil {
		return nil, err
	}
	ir := c.build()
	if !opts.NoOptimize {
		optimize(ir)
	}
	insns, err := ir.assemble()
	var tooLong errTooLong
	if errors.As(err, &tooLong) {
		return nil, fmt.Errorf("gen: the %s program needs more than %d instructions, over the kernel's limit of %d; allow whole syscalls instead of many argument rules, or split the policy", p.Arch, tooLong.n, bpf.MaxInstructions)
	}
	if err != nil {
		return nil, err
	}
	if err := bpf.Validate(insns); err != nil {
		return nil, fmt.Errorf("gen: internal error: compiled program is invalid: %w", err)
	}
	prog := &Program{
		Arch:         p.Arch,
		AuditArch:    c.table.AuditArch,
		BigEndian:    c.table.BigEndian,
		Instructions: insns,
		Default:      c.def,
		BadArch:      c.badArch,
		Ranges:       len(c.search),
		PolicyHash:   hashPolicy(p, c.def, c.badArch),
	}
	for _, s := range c.syscalls {
		if s.allows() {
			prog.Allowed = append(prog.Allowed, NamedSyscall{s.name, s.nr})
		}
	}
	sort.Slice(prog.Allowed, func(i, j int) bool { return prog.Allowed[i].Name < prog.Allowed[j].Name })
	return prog, nil
}

// resolved is a policy checked against its arch's table.
type resolved struct {
	table    *systable.Table
	def      Action
	badArch  Action
	syscalls []*syscallRules // sorted by number
	ranges   []numberRange
	front    []*syscallRules // tested by number before the search, in order
	search   []numberRange   // ranges with the front tests' numbers merged away
}

// syscallRules is one listed syscall with its normalised rules: rules after
// the first unconditional one are dropped (they can never decide).
type syscallRules struct {
	name  string
	nr    uint32
	rules []Rule
}

// plain reports whether the syscall's outcome does not depend on its
// arguments, and that outcome.
func (s *syscallRules) plain(def Action) (Action, bool) {
	if len(s.rules) == 0 {
		return def, true
	}
	if len(s.rules[0].Args) == 0 {
		return s.rules[0].Action, true
	}
	return Action{}, false
}

func (s *syscallRules) allows() bool {
	for _, r := range s.rules {
		if r.Action == Allow {
			return true
		}
	}
	return false
}

// numberRange is a run of syscall numbers [start, next range's start) that
// share one outcome: a plain action, or the argument checks of one syscall.
type numberRange struct {
	start  uint32
	action Action        // when rules is nil
	rules  *syscallRules // when the outcome depends on arguments
}

func (r numberRange) sameOutcome(o numberRange) bool {
	if r.rules != nil || o.rules != nil {
		return r.rules == o.rules
	}
	return r.action == o.action
}

func resolve(p Policy) (*resolved, error) {
	table, err := systable.Lookup(p.Arch)
	if err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	if p.Default.IsZero() {
		return nil, fmt.Errorf("gen: the %s policy has no default action; set Policy.Default (e.g. gen.KillProcess)", p.Arch)
	}
	c := &resolved{table: table, def: p.Default, badArch: p.BadArch}
	if c.badArch.IsZero() {
		c.badArch = KillProcess
	}
	for name, rules := range p.Syscalls {
		nr, ok := table.Number(name)
		if !ok {
			msg := fmt.Sprintf("gen: %s has no syscall %q", p.Arch, name)
			if near, ok := table.Closest(name); ok {
				msg += fmt.Sprintf("; did you mean %q?", near)
			}
			return nil, fmt.Errorf("%s", msg)
		}
		s := &syscallRules{name: name, nr: nr}
		for i, r := range rules {
			if r.Action.IsZero() {
				return nil, fmt.Errorf("gen: %s rule %d has no action", name, i)
			}
			for _, a := range r.Args {
				if a.Index < 0 || a.Index > 5 {
					return nil, fmt.Errorf("gen: %s rule %d: argument index %d is out of range 0..5", name, i, a.Index)
				}
				if a.Op < OpEqual || a.Op > OpGreaterEqual {
					return nil, fmt.Errorf("gen: %s rule %d: unknown comparison %v", name, i, a.Op)
				}
			}
			s.rules = append(s.rules, r)
			if len(r.Args) == 0 {
				break
			}
		}
		c.syscalls = append(c.syscalls, s)
	}
	sort.Slice(c.syscalls, func(i, j int) bool { return c.syscalls[i].nr < c.syscalls[j].nr })
	for i := 1; i < len(c.syscalls); i++ {
		if c.syscalls[i].nr == c.syscalls[i-1].nr {
			return nil, fmt.Errorf("gen: %q and %q are the same syscall (%d) on %s; list it once", c.syscalls[i-1].name, c.syscalls[i].name, c.syscalls[i].nr, p.Arch)
		}
	}
	// The search sends every number above the last listed syscall to the
	// default action; that range is what blocks amd64's x32 ABI.
	if x := c.table.X32Bit; x != 0 && len(c.syscalls) > 0 && c.syscalls[len(c.syscalls)-1].nr >= x {
		return nil, fmt.Errorf("gen: internal error: %s's syscall table numbers %q at or above the x32 bit %#x", p.Arch, c.syscalls[len(c.syscalls)-1].name, x)
	}
	c.ranges = c.buildRanges()
	c.front = c.frontTests()
	c.search = c.searchRanges(c.front)
	return c, nil
}

// buildRanges splits the whole 32-bit number space into maximal runs with
// one outcome. Numbers the policy does not list take the default action.
func (c *resolved) buildRanges() []numberRange {
	rs := []numberRange{{start: 0, action: c.def}}
	add := func(r numberRange) {
		if last := rs[len(rs)-1]; last.sameOutcome(r) {
			return
		}
		if rs[len(rs)-1].start == r.start {
			rs = rs[:len(rs)-1]
			if len(rs) > 0 && rs[len(rs)-1].sameOutcome(r) {
				return
			}
		}
		rs = append(rs, r)
	}
	for _, s := range c.syscalls {
		r := numberRange{start: s.nr}
		if a, ok := s.plain(c.def); ok {
			r.action = a
		} else {
			r.rules = s
		}
		add(r)
		if s.nr != ^uint32(0) {
			add(numberRange{start: s.nr + 1, action: c.def})
		}
	}
	return rs
}

// hotSyscalls are syscalls a Go server makes most often; their argument
// blocks go first so their jumps are short, and they are the first picked
// for the argument-syscall tests that come before the search.
var hotSyscalls = []string{"futex", "read", "write", "epoll_pwait", "epoll_wait", "nanosleep", "mmap", "madvise", "fcntl", "openat"}

// maxFrontTests is how many syscalls with argument rules are tested by
// number right after the arch check, before the binary search. On Linux
// 5.11+ the kernel's action cache answers every syscall allowed without
// argument rules, so the filter runs only for syscalls with argument rules
// (and for denied ones, once): a test in front makes their path about
// ⌈log2(ranges)⌉ instructions shorter. Each test is one more instruction
// for everything else on kernels without the cache; two keeps an allowed
// syscall within ⌈log2(ranges)⌉ + 6 instructions there.
const maxFrontTests = 2

// rank orders syscalls with argument rules: hot syscalls first, in
// hotSyscalls' order, then the rest by number.
func rank(a, b *syscallRules) int {
	idx := func(s *syscallRules) int {
		if i := slices.Index(hotSyscalls, s.name); i >= 0 {
			return i
		}
		return len(hotSyscalls)
	}
	if ia, ib := idx(a), idx(b); ia != ib {
		return ia - ib
	}
	return int(a.nr) - int(b.nr)
}

// frontTests picks the syscalls with argument rules that build tests
// before the search, in test order.
func (c *resolved) frontTests() []*syscallRules {
	var args []*syscallRules
	for _, r := range c.ranges {
		if r.rules != nil {
			args = append(args, r.rules)
		}
	}
	slices.SortFunc(args, rank)
	return args[:min(len(args), maxFrontTests)]
}

// searchRanges returns c.ranges for the search behind the front tests:
// a number the front tests take never reaches the search, so its range
// takes its left neighbour's outcome (the right one's at 0) and merges
// away.
func (c *resolved) searchRanges(front []*syscallRules) []numberRange {
	var rs []numberRange
	for _, r := range c.ranges {
		if r.rules != nil && slices.Contains(front, r.rules) {
			continue // a neighbour's outcome extends over it
		}
		if len(rs) == 0 {
			r.start = 0 // the first range always starts at 0
		} else if rs[len(rs)-1].sameOutcome(r) {
			continue
		}
		rs = append(rs, r)
	}
	return rs
}

// build lays out the program:
//
//	ld arch; jeq AUDIT_ARCH ? next : badarch
//	ld nr; jeq nr1 ? args1; jeq nr2 ? args2   up to maxFrontTests
//	binary search over the ranges; leaves jump to a shared return or to
//	the argument block of one syscall; numbers above the last syscall
//	(amd64's x32 ABI among them) are one range with the default action
//	argument blocks (loads of the arguments happen only here)
//	the shared returns
func (c *resolved) build() *irProgram {
	ir := newIR()
	retLabels := map[Action]label{}
	retLabel := func(a Action) label {
		if l, ok := retLabels[a]; ok {
			return l
		}
		l := ir.newLabel()
		retLabels[a] = l
		return l
	}
	blockLabels := map[*syscallRules]label{}
	leaf := func(r numberRange) label {
		if r.rules == nil {
			return retLabel(r.action)
		}
		if l, ok := blockLabels[r.rules]; ok {
			return l
		}
		l := ir.newLabel()
		blockLabels[r.rules] = l
		return l
	}

	ir.load(bpf.OffsetArch)
	next := ir.newLabel()
	ir.cond(bpf.OpJEQ, c.table.AuditArch, next, retLabel(c.badArch))
	ir.mark(next)
	ir.load(bpf.OffsetNr)
	for _, s := range c.front {
		next := ir.newLabel()
		ir.cond(bpf.OpJEQ, s.nr, leaf(numberRange{start: s.nr, rules: s}), next)
		ir.mark(next)
	}
	c.tree(ir, c.search, leaf)

	// Argument blocks, hot syscalls first, then by number.
	var blocks []*syscallRules
	for s := range blockLabels {
		blocks = append(blocks, s)
	}
	slices.SortFunc(blocks, rank)
	for _, s := range blocks {
		ir.mark(blockLabels[s])
		for i, r := range s.rules {
			fail := retLabel(c.def)
			if i+1 < len(s.rules) {
				fail = ir.newLabel()
			}
			if len(r.Args) == 0 {
				// An unconditional rule ends the list (resolve drops
				// what follows it).
				ir.jump(retLabel(r.Action))
			}
			for j, a := range r.Args {
				pass := retLabel(r.Action)
				if j+1 < len(r.Args) {
					pass = ir.newLabel()
				}
				c.argCheck(ir, a, pass, fail)
				if j+1 < len(r.Args) {
					ir.mark(pass)
				}
			}
			if i+1 < len(s.rules) {
				ir.mark(fail)
			}
		}
	}

	// Shared returns, ALLOW first: it is the hottest target.
	var acts []Action
	for a := range retLabels {
		acts = append(acts, a)
	}
	sort.Slice(acts, func(i, j int) bool {
		if (acts[i] == Allow) != (acts[j] == Allow) {
			return acts[i] == Allow
		}
		return acts[i].Ret() < acts[j].Ret()
	})
	for _, a := range acts {
		ir.mark(retLabels[a])
		ir.ret(a.Ret())
	}
	return ir
}

// tree emits a balanced binary search over rs (the accumulator holds nr).
func (c *resolved) tree(ir *irProgram, rs []numberRange, leaf func(numberRange) label) {
	if len(rs) == 1 {
		ir.jump(leaf(rs[0]))
		return
	}
	var emit func(rs []numberRange, self label)
	emit = func(rs []numberRange, self label) {
		ir.mark(self)
		mid := len(rs) / 2
		lo, hi := rs[:mid], rs[mid:]
		target := func(part []numberRange) (label, bool) {
			if len(part) == 1 {
				return leaf(part[0]), false
			}
			return ir.newLabel(), true
		}
		hiL, hiNode := target(hi)
		loL, loNode := target(lo)
		ir.cond(bpf.OpJGE, hi[0].start, hiL, loL)
		if loNode {
			emit(lo, loL)
		}
		if hiNode {
			emit(hi, hiL)
		}
	}
	emit(rs, ir.newLabel())
}

// argCheck emits a 64-bit comparison of argument a.Index: control goes to
// pass when the condition holds and to fail otherwise.
func (c *resolved) argCheck(ir *irProgram, a ArgCond, pass, fail label) {
	loOff, hiOff := bpf.ArgOffsets(a.Index, c.table.BigEndian)
	vlo, vhi := uint32(a.Value), uint32(a.Value>>32)
	loHalf := ir.newLabel()
	switch a.Op {
	case OpEqual, OpNotEqual:
		eq, ne := pass, fail
		if a.Op == OpNotEqual {
			eq, ne = fail, pass
		}
		ir.load(hiOff)
		ir.cond(bpf.OpJEQ, vhi, loHalf, ne)
		ir.mark(loHalf)
		ir.load(loOff)
		ir.cond(bpf.OpJEQ, vlo, eq, ne)
	case OpMaskedEqual:
		if a.Value&^a.Mask != 0 {
			// Bits outside the mask can never match.
			ir.jump(fail)
			return
		}
		mlo, mhi := uint32(a.Mask), uint32(a.Mask>>32)
		if mhi != 0 {
			// With no mask bits in the high half, it always matches
			// (vhi is 0 then, checked above): no test for it.
			ir.load(hiOff)
			ir.emit(bpf.Instruction{Code: bpf.OpAndK, K: mhi})
			ir.cond(bpf.OpJEQ, vhi, loHalf, fail)
			ir.mark(loHalf)
		}
		ir.load(loOff)
		ir.emit(bpf.Instruction{Code: bpf.OpAndK, K: mlo})
		ir.cond(bpf.OpJEQ, vlo, pass, fail)
	case OpBitsAllowed:
		if vhi != ^uint32(0) {
			// With every high bit allowed the high half always
			// passes: no test for it.
			ir.load(hiOff)
			ir.cond(bpf.OpJSET, ^vhi, fail, loHalf)
			ir.mark(loHalf)
		}
		ir.load(loOff)
		ir.cond(bpf.OpJSET, ^vlo, fail, pass)
	case OpGreater, OpGreaterEqual, OpLess, OpLessEqual:
		// arg > v  <=>  hi > vhi, or hi == vhi and lo > vlo (likewise >=).
		// Less and LessEqual are the negations of GreaterEqual and Greater.
		yes, no := pass, fail
		if a.Op == OpLess || a.Op == OpLessEqual {
			yes, no = fail, pass
		}
		last := uint16(bpf.OpJGT)
		if a.Op == OpGreaterEqual || a.Op == OpLess {
			last = bpf.OpJGE
		}
		hiEq := ir.newLabel()
		ir.load(hiOff)
		ir.cond(bpf.OpJGT, vhi, yes, hiEq)
		ir.mark(hiEq)
		ir.cond(bpf.OpJEQ, vhi, loHalf, no)
		ir.mark(loHalf)
		ir.load(loOff)
		ir.cond(last, vlo, yes, no)
	}
}

// treeDepth returns ⌈log2(n)⌉, the most comparisons a balanced search over
// n ranges makes.
func treeDepth(n int) int {
	if n <= 1 {
		return 0
	}
	return bits.Len(uint(n - 1))
}

// Disassemble returns the program as text, one instruction a line, for
// debugging and golden files.
func (p *Program) Disassemble() string {
	var b strings.Builder
	for i, ins := range p.Instructions {
		fmt.Fprintf(&b, "%4d  %v\n", i, ins)
	}
	return b.String()
}
