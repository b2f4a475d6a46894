// Package analyzer works out every syscall a Go program can make after main
// starts, with the reason for each.
//
// # Pipeline
//
// Analyze loads the requested packages with golang.org/x/tools/go/packages
// as they would build for GOOS=linux and the target GOARCH (whatever the
// host is), with syntax for every package (the standard library's
// //go:linkname directives and assembly are read too). Each main package
// gets its own SSA program (ssa.InstantiateGenerics) built from its own
// import closure, so that the commands matched by one pattern do not widen
// each other's call graphs.
//
// The call graph starts from the program's roots: main.main, the package
// initialisers (package main's init runs every imported package's init),
// and the functions the runtime calls on the program's behalf: any function
// value passed to a function of package runtime, directly or through a
// //go:linkname declaration (finalizers, cleanups, time.AfterFunc's
// function). The default algorithm is VTA over what CHA reaches
// (govulncheck's recipe with one VTA round: a second found nothing more on
// the fixtures and on a 249-package program, and costs about 1.5 s); "cha"
// and "rta" can be chosen for comparison. VTA follows values only through
// the functions it is given, so every function the final walk reaches must
// be among them: the walk over CHA's edges that picks them treats every
// interface call as one reflection's values may reach (a superset, without
// the costly hidden-flow passes that decide which can), and when the walk
// over VTA's edges still reaches a function VTA did not analyse, VTA runs
// again over the union. On top of the algorithm's edges the walk follows
//
//   - //go:linkname pull and push pairs, from a bodyless declaration to the
//     function that implements it (internal/poll to the runtime,
//     internal/syscall/unix.fcntl to syscall);
//   - the JMP and CALL instructions of the program's assembly to Go
//     functions;
//   - for interface method calls, the methods of every type reflection can
//     reach (see below).
//
// A call through a func value only reaches a function once code that makes
// that value (a closure's parent, a method value, a function used as a
// value) is reachable: this keeps the closures handed to shared helpers
// such as os.ignoringEINTR or sync.Once.Do from leaking into each other's
// callers.
//
// Package runtime itself is not walked: its syscalls come from assembly the
// SSA cannot see, and the runtime baseline covers them.
//
// The reach is then refined (graph.go, narrowReach): walked again from the
// same roots without the calls in blocks that cannot run (branch.go,
// callfold.go, nilfield.go) and the interface callees no value reaching
// the receiver can select (typeflow.go, with netmodel.go's answer for the
// network string of net.Listen and net.Dial), twice at most. Each such
// question is answered from facts of the wider reach before it, so each
// refinement is sound on its own. hiddenFlow (reflectflow.go) and typeFlow
// share one memo of answers per SSA value (scc.go).
//
// # Syscall sites
//
// The trap primitives are the bodyless entry points that take the syscall
// number as their first parameter: internal/runtime/syscall/linux.Syscall6,
// syscall.rawSyscallNoError, syscall.rawVforkSyscall, the runtime hook
// behind syscall.AllThreadsSyscall, and golang.org/x/sys/unix's assembly
// Syscall family. Every wrapper around them (syscall.Syscall,
// syscall.RawSyscall6, unix.Syscall, a program's own helper, a closure that
// captures the number) is found by a fixed point: a function whose
// parameter flows into the number argument of a primitive or of a wrapper
// is a wrapper, and its callers supply the number. Assembly bodies that
// issue a syscall instruction themselves (syscall.gettimeofday's vDSO
// fallback) are read for the $SYS_* constant they load.
//
// A number is resolved from constants, phis, conversions, sums of
// constants, parameters (through every reachable caller's argument),
// captured variables (through the MakeClosure bindings and the stores to
// the captured cell), and package variables whose address never escapes
// (through every store to them). A site whose number cannot be resolved is
// never dropped: it is reported in Program.Unresolved with its position, a
// shortest call path and the reason, and the caller decides whether to fail
// or to allow a fallback set.
//
// # Result
//
// Program.Syscalls is the union of the program's needs (origin "program",
// with one shortest call path from a root, for sandboxgen -why; only those
// code after selfsandbox.Lock can reach, see below) and the
// runtime baseline from package runtimeprofile (origin "runtime:<trigger>"
// or "runtime:<group>"), whose conditional groups are switched on by what
// the program reaches: CPU profiling, cgo, fork/exec, and, when
// Config.ExecChild is set, what an exec'd child needs to start under the
// inherited filter.
//
// Building a gen.Policy: Program.Policy returns the allow-list policy the
// analysis supports (every needed syscall allowed, or answered with its
// Errno when the runtime profile says so; clone3 answered with ENOSYS so
// callers fall back to clone; everything else gets the given default
// action). The CLI applies user overrides and fallback sets on top of it.
//
// # Pruning what only runs before Lock
//
// A program that sandboxes itself does its privileged set-up first (flags,
// config files, listeners) and then calls selfsandbox.Lock; only what can
// run once the filter is in force needs to be allowed. By default
// (Config.NoPrune turns it off) the program's syscalls are kept only if
// code that can run after Lock returns reaches them, and the others are
// listed in Program.Pruned, each with the call path that needs it before
// Lock. Program.Pruning says whether this applied, at which Lock call, or
// why not. The runtime baseline is never pruned.
//
// Pruning applies only when the program calls selfsandbox.Lock, MustLock or
// LockWith exactly once, as a plain call written directly in main.main or in
// a helper that main.main calls once with a plain call (and that nothing
// else calls or takes as a value), not in a loop, never through a function
// value, and nothing calls main.main. With a helper, main's call of it is
// the lock point, and the helper's own calls before and after its Lock
// call split the same way main's do. Otherwise nothing is pruned and
// Pruning.Reason names the rule broken.
//
// The code that can run after Lock returns is what the call graph reaches
// from these roots:
//
//   - the calls of main.main that can execute after the Lock call: the rest
//     of its block and every block reachable from it (and the recover
//     block);
//   - every deferred call of main.main (they run when main returns);
//   - every goroutine started by code that runs before Lock (the package
//     initialisers and main.main up to Lock): it may outlive Lock;
//     goroutines started after Lock are reached by the walk itself;
//   - every function the runtime or reflection calls on the program's
//     behalf (finalizers, cleanups, timer and AfterFunc functions, signal
//     handling, reflect.MakeFunc stubs, reflect-callable methods), and
//     every other root of the call graph except main.main and the package
//     initialiser.
//
// Package initialisation itself runs before main, so it is pruned unless a
// root above reaches the same code. The call graph is the full one, built
// from every root, so a closure made before Lock (stored in a variable or
// handed to a library) and called after it is reached from the call after
// Lock: the "closure is only called once the code that makes it is
// reachable" rule above depends on reachability from all roots, not only
// from those after Lock. Lock's own code after its seccomp call only
// records its state and returns, so the Lock call is not a root (the
// fixture tests check, under strace, that nothing after the seccomp call
// is denied).
//
// Both walks, the code before Lock (for the goroutines it starts) and the
// code after it, are one level context-sensitive for calls through a
// func-typed parameter: a helper's call of its parameter (sync.Once.Do's
// f, os.ignoringEINTR's fn) goes only to the functions the walked callers
// pass, when every value passed can be traced to functions; otherwise to
// everything the call graph has. Without this, one sync.Once.Do after Lock
// would keep every closure any code hands to any sync.Once.
//
// What remains is limited by the call graph's precision elsewhere (values
// in struct fields and interfaces, e.g. sync.Pool.New, log.Logger's
// writer) and by goroutines that set-up code may leave behind: net.Listen
// with a host name starts the resolver's goroutines, which may (as far as
// the analysis can tell) still run after Lock, so what they reach stays
// allowed.
//
// # Phases and their state
//
// For each main package, buildProgram makes the read-only program (SSA,
// linkname and assembly indexes, CHA, the syscall table, the value tracer,
// and memo caches of per-function facts). Every later phase is a method of
// the program that takes what the earlier ones found as parameters:
// buildReach(algorithm) makes the reach (what is reachable, its edges, the
// types reflection reaches and the cgo wrappers); findSites(reach) finds the
// syscall sites; prune(reach) finds the Lock call and what runs after it
// and returns a pruning, which answers for each site whether it is kept,
// pruned or dead (the after-Lock walks stay inside it); assemble(reach,
// pruning, sites) makes the Program. analyzeMain chains these phases, and
// Analyze adds the runtime baseline, the one piece of state (the runtime
// profile) that passes from one main package of an Analyze call to the
// next.
//
// Four questions follow a value back to its sources: which functions a
// callback handed to the runtime can be, which functions a call through a
// func value reaches in a calling context, which numbers a syscall number
// can take and which constant a branch condition folds to. They share one
// walk (valueFlow.trace, valueflow.go) over phis, ChangeType and, as its
// rules admit, conversions, interface boxing, free variables, loads from
// cells whose address does not escape and callers' arguments; each
// question interprets the sources the walk stops at. Branch folding also
// reads a load of a syscall.SysProcAttr field that no reachable code can
// set as the field's zero value (sysprocattr.go), and the argument rules
// (argrules.go) trace syscall arguments to constants through callers,
// returns and the call graph's callees (socketrules.go).
//
// # Soundness limits
//
// Named in Program.Warnings when they apply:
//
//   - cgo: C code is invisible; the runtime profile's cgo group (libc,
//     pthread) is added, and so are the syscalls of the libc functions the
//     standard library itself calls through cgo (os/user's NSS lookups,
//     net's resolver; origin "cgo:<function>"). Other C code's syscalls are
//     not.
//   - plugin: plugins' code is not analysed.
//   - reflection: a value that comes out of reflect.Value.Interface (fmt
//     printing a nested field, encoding/json calling MarshalJSON) carries
//     a type the type-flow analysis never sees reach the call, and
//     reflect.Value.Call calls methods no SSA call names. Both are covered
//     from the set of types reflection can reach (every type converted to
//     an interface in reachable code, closed under components and pointers
//     to them): interface calls may dispatch to their methods, and when
//     reflect.Value.Call is reachable their exported methods, and the
//     functions whose values are made with a func type among them, are
//     roots.
//
// Not covered: writes to a SysProcAttr through unsafe arithmetic or by C
// or assembly code; function values made by unsafe conversions or by assembly
// outside the runtime, and syscalls issued by assembly whose number is not
// a $SYS_* constant (reported as unresolved sites).
package analyzer
