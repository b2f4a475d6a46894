// Package gen compiles a syscall policy into a seccomp-BPF program and
// writes that program as Go source.
//
// # Layers
//
// A [Policy] says, for one architecture, what each syscall gets (an
// [Action], possibly depending on argument conditions) and what everything
// else gets. [Compile] turns it into a [Program] in four steps, each
// testable alone:
//
//  1. resolve: names become numbers (internal/systable), rules are
//     normalised, and the whole 32-bit number space is cut into maximal
//     ranges of numbers that share one outcome (neighbouring allowed
//     numbers merge);
//
//  2. build: an intermediate program with symbolic jump labels:
//
//     ld arch; jeq AUDIT_ARCH_x, next, badarch   arch check first
//     ld nr; jeq nr1, args1; jeq nr2, args2      up to two syscalls with argument rules
//     jge/jge/...                                balanced binary search over the ranges
//     argument blocks                            loads of arguments happen only here
//     ret allow; ret errno(...); ret default...  one shared copy of each return
//
//     The search's top range, every number above the highest syscall,
//     takes the default action: on amd64 that is the x32 ABI block
//     (numbers with bit 30 set).
//
//  3. optimize: shared returns, jump threading, dead code; the tests run
//     every program both ways through the interpreter in internal/bpf;
//
//  4. assemble: labels become offsets; a conditional branch further than
//     255 instructions goes through a JA trampoline; programs over the
//     kernel's 4096 instructions are rejected with an error that says so.
//
// Because the dispatch only loads nr and arch and compares constants, every
// syscall allowed without argument rules is in the kernel's action cache
// (Linux 5.11+): the filter does not even run for it. The filter runs for
// the syscalls with argument rules, so the hottest two of them are tested
// by number before the search: their path is the arch check, one or two
// comparisons and their argument checks. An allowed syscall without rules
// executes at most ⌈log2(ranges)⌉ + 6 instructions where there is no cache.
//
// Argument conditions compare all 64 bits: each condition checks the high
// and the low 32-bit halves of seccomp_data.args[i], in the architecture's
// byte order. A half that always passes (a mask with no bits in it, every
// bit allowed) is not tested.
//
// # The default action and modes
//
// Every denying return of a program is exactly Policy.Default.Ret(); the x32
// ABI on amd64 takes the default action too. selfsandbox relies on this: to
// switch modes at run time (enforce, trap, errno, log) it rewrites the
// returns whose value equals Program.DefaultAction. Returns of other actions
// (say errno(ENOSYS) for clone3, or the bad-arch kill) are left alone, so
// give them a value other than the default.
//
// # Output
//
// [Emit] renders a Program as a Go file for a main package with
// github.com/dave/jennifer: the generated-code header, a //go:build
// constraint, the instructions as a literal with their disassembly, and
// metadata (arch, allowed syscalls, default action, Go version of the
// runtime baseline, generator version, policy hash), registered with
// selfsandbox.Register from init. The same Program and Metadata always give
// the same bytes. [Program.Selfsandbox] gives the same value at run time.
package gen
