// Package analyzer works out every syscall a Go program can make after main
// starts, with the reason for each.
//
// Analyze loads the requested packages with golang.org/x/tools/go/packages as
// they would build for GOOS=linux and the target GOARCH (whatever the host
// is), builds SSA for the whole program (generic instances included), and
// builds a call graph from the program's roots: main.main, every package
// init, and the functions the runtime calls on the program's behalf
// (finalizers, cleanups, timer callbacks). The default call graph is VTA
// over what CHA reaches (govulncheck's recipe with one VTA round: a second
// found nothing more on the fixtures and costs ~1.5 s on 250 packages);
// "cha" and "rta" can be chosen for comparison.
//
// Syscall sites are the calls that reach the raw entry points (syscall.Syscall
// and friends, the runtime's internal/runtime/syscall, golang.org/x/sys/unix),
// including the assembly ones with no SSA body. Forwarding wrappers, functions
// whose parameter flows into the trap argument, are found by a fixed point
// rather than a hand list, and //go:linkname edges are followed so that a
// bodyless declaration leads to the function that implements it. The syscall
// number at each site is resolved from constants, phis, conversions,
// parameters traced back to every caller's argument, and package variables
// and closure cells that are only ever assigned constants. A site that cannot
// be resolved is never dropped: it is reported in Program.Unresolved with its
// position and a call path, and the caller decides whether to fail or to
// allow a fallback set.
//
// The Go runtime's own syscalls are not analysed here (they are issued from
// assembly the SSA cannot see); the runtime baseline for the toolchain comes
// from package runtimeprofile and is merged into Program.Syscalls with origin
// "runtime:<trigger>". Its conditional groups are switched on by what the
// program reaches (os/exec, pprof, cgo), see Features.
//
// Building a gen.Policy: Program.Policy returns the allow-list policy the
// analysis supports (every needed syscall allowed, clone3 answered with
// ENOSYS so callers fall back to clone, everything else the given default
// action). The CLI applies user overrides and fallback sets on top of it.
//
// Soundness limits are named in Program.Warnings: cgo (libc code is
// invisible; the cgo group is added), plugin loading, and reflective calls
// (methods reachable only through reflect.Value.Call and friends are covered
// by treating the methods of every type that may be inspected reflectively
// as reachable).
package analyzer
