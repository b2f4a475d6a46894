package analyzer

import (
	"fmt"
	"go/constant"
	"go/types"
	"sort"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// Socket families. The address family of a socket decides which protocol
// code of the kernel it reaches: AF_PACKET reads and writes raw frames,
// AF_NETLINK talks to the kernel's configuration interfaces, AF_ALG to its
// crypto, and so on. A Go program's sockets come from a few places (the
// net package's sysSocket with the family its callers pick: AF_INET or
// AF_INET6 by favoriteAddrFamily, AF_UNIX for unix networks; the netlink
// dumps of syscall.NetlinkRIB behind net.Interfaces and IPv6 zones), and
// the value tracer follows the family argument of every socket call site
// back through the callers of the functions it passes through, and
// through the returns of the functions it is computed by, to constants.
// When every site's family is a set of constants, socket is allowed for
// those families only; when one site's is not (a family read from input,
// a function called by reflection or assembly), there is no rule and
// Program.RuleNotes names the site.

// argValues are the values every reachable site of a syscall can pass in
// one argument, or why they are not known.
type argValues struct {
	values  []uint64
	unknown string
}

// maxFamily bounds the constants read as address families (AF_MAX is 46).
const maxFamily = 1 << 8

// newIntTracer returns a tracer of the integer arguments of r's code.
func (p *program) newIntTracer(r *reach) *intTracer {
	t := &intTracer{p: p, r: r, extra: map[*ssa.Function]bool{}, returns: map[*ssa.Function]bool{}}
	for _, x := range p.callbacks(r) {
		t.extra[x.fn] = true
	}
	for _, x := range p.reflectRoots(r) {
		t.extra[x.fn] = true
	}
	for _, fn := range r.roots {
		t.extra[fn] = true
	}
	return t
}

// argConsts traces argument arg of the reachable sites of syscall name
// (number nr) among needs to constants in [0, max).
func (t *intTracer) argConsts(needs []siteNeed, nr uint64, name string, arg int, max int64) argValues {
	p := t.p
	t.max = max
	vals := map[uint64]bool{}
	sites := 0
	for _, sn := range needs {
		if sn.nr != nr {
			continue
		}
		sites++
		at := p.pos(sn.pos) + " in " + sn.caller.RelString(nil)
		if sn.site == nil {
			return argValues{unknown: "the " + name + " call at " + at + " is made by assembly"}
		}
		// The entry points of syscall, x/sys/unix and the runtime's
		// syscall package take the number first and the syscall's
		// arguments after it.
		args := sn.site.Common().Args
		callee := sn.site.Common().StaticCallee()
		number := false
		if len(args) > 1+arg {
			if c, ok := args[0].(*ssa.Const); ok && c.Value != nil && c.Value.Kind() == constant.Int {
				n, exact := constant.Uint64Val(c.Value)
				number = exact && n == nr
			}
		}
		if callee == nil || !isSyscallEntry(callee) || !number {
			return argValues{unknown: "the " + name + " call at " + at + " is not a call of a syscall package's entry point with the number first"}
		}
		if why := t.consts(args[1+arg], vals); why != "" {
			return argValues{unknown: fmt.Sprintf("argument %d of the %s call at %s is not a constant: %s", arg, name, at, why)}
		}
	}
	if sites == 0 {
		return argValues{unknown: "no " + name + " call site of the program's code"}
	}
	out := make([]uint64, 0, len(vals))
	for v := range vals {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return argValues{values: out}
}

// isSyscallEntry reports whether fn belongs to package syscall,
// golang.org/x/sys/unix (vendored too) or internal/runtime/syscall/linux,
// whose syscall entry points all take the number and then the arguments.
func isSyscallEntry(fn *ssa.Function) bool {
	p := pkgOf(fn)
	if p == nil {
		return false
	}
	path := p.Pkg.Path()
	return path == "syscall" || path == "internal/runtime/syscall/linux" || path == "golang.org/x/sys/unix" || strings.HasSuffix(path, "/vendor/golang.org/x/sys/unix") || path == "vendor/golang.org/x/sys/unix"
}

// intTracer traces integer arguments back to the constants they can be.
type intTracer struct {
	p *program
	r *reach
	// max bounds the constants accepted.
	max int64
	// extra are the functions that can be entered other than by the calls
	// of the graph (roots, callbacks, reflection): their parameters are
	// unknown.
	extra map[*ssa.Function]bool
	// returns are the functions whose results are being traced.
	returns map[*ssa.Function]bool
}

// callers lists the calls of fn the graph has, or nil (which the trace
// reports as an uncalled parameter) when fn can be entered any other way.
func (t *intTracer) callers(fn *ssa.Function) []ssa.CallInstruction {
	if t.extra[fn] {
		return nil
	}
	var out []ssa.CallInstruction
	for _, e := range t.r.pred[fn] {
		if e.site == nil || e.kind != edgeCall {
			return nil
		}
		out = append(out, e.site)
	}
	return out
}

// consts adds to into the constants v can be, or says why v can be
// something else.
func (t *intTracer) consts(v ssa.Value, into map[uint64]bool) string {
	why := ""
	t.p.values().trace(v, flowRules{conversions: true, callers: t.callers, cells: true, freeVars: true}, func(s source) bool {
		why = t.source(s, into)
		return why == ""
	})
	return why
}

// source adds the constants of one source of a trace to into.
func (t *intTracer) source(s source, into map[uint64]bool) string {
	switch s.kind {
	case sourceZero:
		into[0] = true
		return ""
	case sourceUnbound:
		return "a free variable of a closure made outside the program's code"
	case sourceUncalled:
		return fmt.Sprintf("a parameter of %s, which is entered other than by the calls the analysis sees", s.v.Parent().RelString(nil))
	case sourceEscaping:
		return "a variable whose address escapes (" + s.why + ")"
	}
	switch v := s.v.(type) {
	case *ssa.Const:
		if v.Value != nil && v.Value.Kind() == constant.Int {
			if n, exact := constant.Int64Val(v.Value); exact && n >= 0 && n < t.max {
				into[uint64(n)] = true
				return ""
			}
		}
		return "the constant " + v.String()
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); ok {
			return t.results(call, v.Index, into)
		}
	case *ssa.Call:
		if _, tuple := v.Type().(*types.Tuple); !tuple {
			return t.results(v, 0, into)
		}
	}
	return fmt.Sprintf("%s at %s", s.v.String(), t.p.pos(s.v.Pos()))
}

// results adds the constants result idx of a call can be: the values
// every callee the call graph has for it returns there.
func (t *intTracer) results(call *ssa.Call, idx int, into map[uint64]bool) string {
	var callees []*ssa.Function
	if fn := call.Common().StaticCallee(); fn != nil {
		callees = []*ssa.Function{fn}
	} else {
		for _, e := range t.r.succ[call.Parent()] {
			if e.site == ssa.CallInstruction(call) {
				callees = append(callees, e.callee)
			}
		}
	}
	if len(callees) == 0 {
		return "the result of a call at " + t.p.pos(call.Pos()) + " whose callees are not known"
	}
	for _, fn := range callees {
		if fn.Blocks == nil {
			return "the result of " + fn.RelString(nil) + ", which has no Go body"
		}
		if t.returns[fn] {
			continue // the recursion adds nothing the other returns do not
		}
		t.returns[fn] = true
		for _, b := range fn.Blocks {
			if ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok && idx < len(ret.Results) {
				if why := t.consts(ret.Results[idx], into); why != "" {
					delete(t.returns, fn)
					return why
				}
			}
		}
		delete(t.returns, fn)
	}
	return ""
}
