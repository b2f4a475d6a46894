package analyzer

import (
	"fmt"
	"go/types"
	"strings"

	"github.com/sandboxgen/sandboxgen/gen"
	"golang.org/x/tools/go/ssa"
)

// Argument rules: syscalls every Go program needs (clone to start threads,
// mmap and mprotect for its heap) also reach the parts of the kernel an
// attacker wants most (new namespaces, executable memory). The analysis
// knows which argument values a program can pass them, and the filter
// allows only those:
//
//   - clone without any namespace flag, unless reachable code can set
//     syscall.SysProcAttr.Cloneflags (os/exec's fork path passes them on).
//     The runtime's thread flags, the fork path's CLONE_VFORK|CLONE_VM and
//     libc's pthread_create and fork flags have none.
//   - mmap, mprotect and pkey_mprotect without PROT_EXEC, unless something
//     after Lock can need executable memory: C code (cgo: the C library
//     loads shared objects for name lookups), plugins, children started
//     with -exec-child (their dynamic loader maps libraries executable
//     under the inherited filter), or the program's own calls of these
//     syscalls, whose prot values the analysis does not trace yet.
//
// A rule is only ever a narrowing the analysis proves; where it cannot,
// the syscall stays allowed without one and Program.RuleNotes says why.

// namespaceCloneFlags are clone's CLONE_NEW* flags (CLONE_NEWNS,
// CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID,
// CLONE_NEWNET), the same on every Linux architecture. CLONE_NEWTIME (0x80)
// is left out: clone(2) reads that bit as part of the exit signal, and
// only clone3 and unshare take it.
const namespaceCloneFlags = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000

// protExec is PROT_EXEC, the same on every Linux architecture.
const protExec = 0x4

// cloneFlagsArg is the index of clone's flags argument: the second on
// s390x (its clone takes the stack first), the first elsewhere.
func cloneFlagsArg(goarch string) int {
	if goarch == "s390x" {
		return 1
	}
	return 0
}

// protArg is the index of the prot argument of the syscalls whose
// executable-memory use a rule can stop.
var protArg = map[string]int{"mmap": 2, "mprotect": 2, "pkey_mprotect": 2}

// constArg is an argument of a syscall that selects what the call does
// and that Go code passes as a constant: a rule allows only the values the
// program's sites pass.
type constArg struct {
	arg  int    // the argument's index
	max  int64  // the values accepted are below
	what string // what the argument is
}

// constArgRules are the syscalls whose selecting argument a rule can
// narrow when every site passes constants.
var constArgRules = map[string]constArg{
	"fcntl":   {1, 1 << 16, "command"},
	"ioctl":   {1, 1 << 32, "request"},
	"madvise": {2, 1 << 8, "advice"},
	"prctl":   {0, 1 << 16, "option"},
}

// argFacts are what the call graph tells about argument values, gathered
// while the program's SSA is at hand and used once the runtime baseline
// has been merged.
type argFacts struct {
	// cloneflagsSet are the places where reachable code can set
	// syscall.SysProcAttr.Cloneflags; procAttrAll, when not empty, says
	// why any field of a SysProcAttr can be set (reflection, a
	// conversion; see procAttrFacts).
	cloneflagsSet []string
	procAttrAll   string
	// families are the address families of the socket sites (see
	// socketFamilies).
	families argValues
	// constArgs are the constants the sites of the syscalls of
	// constArgRules pass, by name.
	constArgs map[string]argValues
	// procAttrSettable are the fields of syscall.SysProcAttr reachable
	// code can set, each with where (see procAttrFacts).
	procAttrSettable []string
}

// gatherArgFacts scans the reachable code of r for what the rules depend on.
// sites are the program's syscall sites.
func (a *analysis) gatherArgFacts(r *reach, sites *siteResult) *argFacts {
	attr := a.procAttrFacts(r)
	f := &argFacts{procAttrSettable: attr.settable(), procAttrAll: attr.all}
	tracer := a.newIntTracer(r)
	if nr, ok := a.table.Number("socket"); ok {
		f.families = tracer.argConsts(sites.needs, uint64(nr), "socket", 0, maxFamily)
	}
	f.constArgs = map[string]argValues{}
	for name, c := range constArgRules {
		if nr, ok := a.table.Number(name); ok {
			f.constArgs[name] = tracer.argConsts(sites.needs, uint64(nr), name, c.arg, c.max)
		}
	}
	for _, fn := range a.sortedFuncs(r.funcs) {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				fa, ok := instr.(*ssa.FieldAddr)
				if !ok || !isSysProcAttrField(fa, "Cloneflags") {
					continue
				}
				// The field's address is only read through in SSA's
				// loads; a store, or the address going anywhere else,
				// may set it.
				for _, ref := range *fa.Referrers() {
					if u, ok := ref.(*ssa.UnOp); ok && u.X == fa {
						continue
					}
					f.cloneflagsSet = append(f.cloneflagsSet, a.pos(fa.Pos())+" in "+fn.RelString(nil))
					break
				}
			}
		}
	}
	return f
}

// isSysProcAttrField reports whether fa addresses field name of a
// syscall.SysProcAttr.
func isSysProcAttrField(fa *ssa.FieldAddr, name string) bool {
	ptr, ok := fa.X.Type().Underlying().(*types.Pointer)
	if !ok || !isNamed(ptr.Elem(), "syscall", "SysProcAttr") {
		return false
	}
	st, ok := ptr.Elem().Underlying().(*types.Struct)
	return ok && fa.Field < st.NumFields() && st.Field(fa.Field).Name() == name
}

// isNamed reports whether t is the named type pkg.name.
func isNamed(t types.Type, pkg, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	obj := n.Obj()
	return obj.Name() == name && obj.Pkg() != nil && obj.Pkg().Path() == pkg
}

// applyArgRules puts the argument rules the analysis proves on p's needs,
// and notes in p.RuleNotes each rule it could not prove. execChild is
// Config.ExecChild; cgo says C code can run after Lock (p.Features.Cgo, or
// the cgo needs assumed for a native build of a cross-analysed
// architecture).
func applyArgRules(p *Program, facts *argFacts, execChild, cgo bool) {
	if facts == nil {
		facts = &argFacts{}
	}
	if p.Features.OsExec {
		set := "none"
		if len(facts.procAttrSettable) > 0 {
			set = strings.Join(facts.procAttrSettable, ", ")
		}
		p.RuleNotes = append(p.RuleNotes, "os/exec: the child side of the fork path (syscall.forkAndExecInChild1) makes only the calls of the syscall.SysProcAttr fields reachable code can set (chroot for Chroot, setuid, setgid and setgroups for Credential, ptrace for Ptrace, unshare and mount for Unshareflags, capset for AmbientCaps, ...); fields that can be set: "+set)
	}
	for i := range p.Syscalls {
		n := &p.Syscalls[i]
		if n.Errno != 0 {
			continue
		}
		switch {
		case n.Name == "clone":
			var why string
			switch {
			case len(facts.cloneflagsSet) > 0:
				why = "syscall.SysProcAttr.Cloneflags can be set (" + facts.cloneflagsSet[0] + ")"
			case facts.procAttrAll != "":
				why = "any field of a syscall.SysProcAttr can be set: " + facts.procAttrAll
			}
			if why != "" {
				p.RuleNotes = append(p.RuleNotes, "clone: no rule on its flags: "+why)
				continue
			}
			n.Rules = []gen.Rule{{
				Args:   []gen.ArgCond{{Index: cloneFlagsArg(p.GOARCH), Op: gen.OpMaskedEqual, Mask: namespaceCloneFlags, Value: 0}},
				Action: gen.Allow,
			}}
			n.RulesWhy = "no namespace flags: the runtime's threads, the fork path and libc pass none, and nothing reachable sets SysProcAttr.Cloneflags"
		case n.Name == "socket":
			var why string
			switch {
			case cgo:
				why = "C code can run after Lock (cgo, or the C library's resolver in a cgo build: the netgo and osusergo tags leave it out), and the C library's name service modules make sockets of any family"
			case p.Features.OsExec && execChild:
				why = "children started under -exec-child make sockets of their own"
			case n.Origin != OriginProgram:
				why = "it is needed by " + n.Origin
			case isRuntimeNeed(p, n.Name):
				why = "the Go runtime needs it too, with arguments the analysis does not trace"
			case facts.families.unknown != "":
				why = facts.families.unknown
			}
			if why != "" {
				p.RuleNotes = append(p.RuleNotes, "socket: no rule on its family: "+why)
				continue
			}
			var names []string
			n.Rules = nil
			for _, f := range facts.families.values {
				n.Rules = append(n.Rules, gen.Rule{Args: []gen.ArgCond{{Index: 0, Op: gen.OpEqual, Value: f}}, Action: gen.Allow})
				names = append(names, familyName(f))
			}
			n.RulesWhy = "only the address families every socket call of the program's code can pass: " + strings.Join(names, ", ")
		case constArgRules[n.Name].what != "":
			c := constArgRules[n.Name]
			vals := facts.constArgs[n.Name]
			var why string
			switch {
			case cgo:
				why = "C code can run after Lock (cgo)"
			case p.Features.OsExec && execChild:
				why = "children started under -exec-child make it with their own arguments"
			case n.Origin != OriginProgram:
				why = "it is needed by " + n.Origin
			case isRuntimeNeed(p, n.Name):
				why = "the Go runtime needs it too, with arguments the analysis does not trace"
			case vals.unknown != "":
				why = vals.unknown
			}
			if why != "" {
				p.RuleNotes = append(p.RuleNotes, fmt.Sprintf("%s: no rule on its %s: %s", n.Name, c.what, why))
				continue
			}
			var list []string
			n.Rules = nil
			for _, v := range vals.values {
				n.Rules = append(n.Rules, gen.Rule{Args: []gen.ArgCond{{Index: c.arg, Op: gen.OpEqual, Value: v}}, Action: gen.Allow})
				list = append(list, fmt.Sprintf("%#x", v))
			}
			n.RulesWhy = fmt.Sprintf("only the %ss every call of the program's code passes (argument %d): %s", c.what, c.arg, strings.Join(list, ", "))
		case protArg[n.Name] != 0:
			var why string
			switch {
			case cgo:
				why = "C code can run after Lock (cgo), and the C library can load shared objects"
			case p.Features.Plugin:
				why = "the program can load plugins"
			case p.Features.OsExec && execChild:
				why = "children started under -exec-child map their libraries executable"
			case n.Origin == OriginProgram:
				why = "the program's code calls it (" + siteOf(n.Path) + ") with a prot the analysis does not trace"
			}
			if why != "" {
				p.RuleNotes = append(p.RuleNotes, fmt.Sprintf("%s: no rule against PROT_EXEC: %s", n.Name, why))
				continue
			}
			n.Rules = []gen.Rule{{
				Args:   []gen.ArgCond{{Index: protArg[n.Name], Op: gen.OpMaskedEqual, Mask: protExec, Value: 0}},
				Action: gen.Allow,
			}}
			n.RulesWhy = "no PROT_EXEC: no C code, plugin or -exec-child child runs after Lock, and only the runtime calls it"
		}
	}
}

// isRuntimeNeed reports whether the runtime baseline needs name, whoever
// else does.
func isRuntimeNeed(p *Program, name string) bool {
	_, ok := p.RuntimeNeed(name)
	return ok
}

// familyNames are the names of the address families Go programs use.
var familyNames = map[uint64]string{0: "AF_UNSPEC", 1: "AF_UNIX", 2: "AF_INET", 10: "AF_INET6", 16: "AF_NETLINK", 17: "AF_PACKET", 38: "AF_ALG", 40: "AF_VSOCK"}

// familyName returns the name of address family f.
func familyName(f uint64) string {
	if name, ok := familyNames[f]; ok {
		return name
	}
	return fmt.Sprintf("family %d", f)
}

// siteOf returns the last entry of a call path: the syscall site.
func siteOf(path []string) string {
	if len(path) == 0 {
		return "no path"
	}
	return strings.TrimSpace(path[len(path)-1])
}
