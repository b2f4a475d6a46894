// Package runtimeprofile finds the syscalls the Go runtime itself can issue
// after main.main starts, for the GOROOT that builds a program.
//
// The runtime makes syscalls from assembly and from its own Go code, which
// no analysis of the program's SSA sees, and the set changes with every Go
// release (1.18 added timer_create for profiling, 1.25 prctl(PR_SET_VMA)
// and the GOMAXPROCS updater's sched_getaffinity and pread64). A baseline
// typed by hand goes stale, so For reads it from the toolchain's source:
//
//   - Which files: the toolchain's own `go list -deps runtime` for the
//     target GOOS/GOARCH (build tags and GOEXPERIMENT defaults exactly as
//     that toolchain compiles them; go/build's rules when GOROOT has no go
//     command).
//   - Assembly: every `#define SYS_name N` of the runtime's .s files and
//     the TEXT symbol that uses each (runtime·futex uses SYS_futex). The
//     number is authoritative; its name comes from internal/systable, and
//     the #define's spelling is cross-checked against it (a near miss such
//     as amd64's SYS_setittimer becomes a Profile.Notes entry, a different
//     syscall is an error).
//   - Go code: calls of internal/runtime/syscall/linux's Syscall6 with a
//     constant number (prctl in setVMAName, fcntl, mprotect) and calls of
//     that package's wrappers (EpollWait, Eventfd, Pread, Open...), each
//     attributed to the calling function, with the constants read from the
//     arch's defs_linux_<arch>.go.
//   - The vDSO: each function in the runtime's vdsoSymbolKeys that the
//     runtime itself calls (clock_gettime, getrandom) can enter the kernel
//     as the syscall of the same name when its fast path cannot answer.
//     amd64's gettimeofday is looked up for the syscall package only, whose
//     own assembly the program analysis reads.
//   - Before or after main: a call graph by name over runtime and its
//     dependencies (Go calls, method calls by name, assembly CALL/JMP and
//     address references) proves which syscall sites run only before
//     main.main: a function is start-up only when it is the bootstrap
//     entry rt0_go, or when every caller is start-up only and nothing else
//     can reach it (no function value, //go:linkname, export, compiler
//     builtin, closure or go statement). Those syscalls (brk in mallocinit,
//     the transparent-huge-page and cgroup openat/read/close, mincore, uname)
//     go to Profile.PreMain with the chain of callers as proof. amd64's
//     arch_prctl is start-up only too, with cgo as without (the settls
//     calls of the cgo callback path are Windows-only).
//
// Two facts cannot be read from the source and come from small tables in
// table.go, each entry with its reason: the trigger of each function that
// issues a syscall (runtime·clone starts a thread, runtime·madvise serves
// the GC...), and the syscalls no source issues but a Go process still
// needs (restart_syscall, which the kernel issues after a signal interrupts
// a sleep; rt_sigreturn, the signal trampoline's, which go1.27's amd64
// assembly even spells as raw bytes), plus the conditional groups' libc and
// child-program sets, measured with strace. A function missing from the trigger
// table gets TriggerUnknown and stays allowed, and a test fails so that the
// table is completed for the new release.
//
// The groups: Base is always allowed. CPUProfile (setitimer and the
// per-thread POSIX timers) only matters when runtime/pprof or
// SetCPUProfileRate is reachable. Cgo is glibc's pthread and malloc set.
// ForkExec is the parent's and the forked child's side of os/exec.
// ExecChild is what a child program needs to start under the inherited
// filter (the dynamic loader, libc, another Go runtime); it is off unless
// asked for.
//
// How it is checked: a stress program (testdata/stress) exercising GC,
// goroutines, timers, signals, preemption, profiling, netpoll, thread exit,
// GOMAXPROCS changes and panics runs under a KILL_PROCESS filter of the
// profile plus its own syscalls, and under strace, where every syscall
// after main must be in the profile; `go test -long` runs it for minutes.
//
// Every architecture internal/systable knows is supported (amd64, arm64,
// 386, arm, loong64, mips*, ppc64*, riscv64, s390x); the stress tests run
// the host's.
//
// The runtime's syscalls are always allowed, never answered with an errno:
// measured, an errno turns into fatal errors or a silent drop of GOMAXPROCS
// to 1. Only syscalls issued by libc (clone3 in the Cgo group) carry an
// Errno, so that libc falls back to a call the filter can inspect.
//
// prctl(PR_SET_VMA) is issued only when GODEBUG decoratemappings=1, the
// default for main modules whose go line is 1.25 or later; the profile
// always includes it, which is safe for older modules too.
package runtimeprofile
