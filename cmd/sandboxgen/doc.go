// Command sandboxgen writes the seccomp filter of a Go program into the
// program's main package, so that the program can sandbox itself with
// selfsandbox.Lock.
//
// Usage:
//
//	sandboxgen [flags] [packages]
//
// For every main package matched by the packages (default "."; any pattern
// go list accepts, "./..." included) that calls selfsandbox.Lock, LockWith
// or MustLock, it analyses the program for each target architecture
// (-arch, default amd64,arm64): the syscalls the program's own code can
// make after main starts (package analyzer) and those the Go runtime of
// the toolchain in PATH makes (package runtimeprofile). It turns them into
// a policy, applies the overrides (-allow, -deny, -readonly-fs; syscall
// numbers work where names do, resolved per architecture), bakes in the
// default action of -mode, compiles the policy into seccomp BPF and
// renders it as Go source (package gen). A main package that never locks
// is skipped with a note unless a pattern without "..." names it.
//
// The flags that shape the filter (-arch, -mode, -allow, -deny,
// -readonly-fs, -exec-child, -noprune, -allow-unresolved, -tags,
// -callgraph, -o) are recorded in each generated file, in a line after the
// generated-code header:
//
//	// sandboxgen:options -deny=connect -readonly-fs
//
// (each non-default flag as -name=value, a true boolean as -name, lists
// sorted). Every later run reuses a package's recorded options except
// where the command line sets a flag, and says so on stderr when that
// changes a recorded value; the files of one package must agree. So
// "sandboxgen ./..." and "sandboxgen -check ./..." agree with each
// package's go:generate line.
//
// Install it as a tool of the module (go get -tool
// github.com/sandboxgen/sandboxgen/cmd/sandboxgen); typical use is then
// a generate directive in the main package:
//
//	//go:generate go tool sandboxgen -deny connect .
//
// and `go tool sandboxgen -check ./...` in CI, which writes nothing and exits 1
// with a diff when a file on disk is stale. -why NAME prints the call path
// that makes a syscall necessary; -json prints the full report; both write
// nothing. -v prints phase timings and the warnings in full (they are
// otherwise printed once per run, short). Every file is rendered in memory
// first; a run writes all of them, each atomically (temporary file and
// rename), or, when a write fails, puts back those already replaced. Run
// sandboxgen -h for every flag.
//
// -format docker|oci|spo prints, instead of the Go files, a seccomp profile
// for a container runtime (Docker's JSON profile, an OCI config.json's
// linux.seccomp, a Kubernetes SeccompProfile of the Security Profiles
// Operator) covering the whole process life; see
// cmd/sandboxgen/internal/containerprofile and docs/containers.md. Each allow-list line of a generated file ends with
// the syscall's origin, and
//
//	sandboxgen diff OLD NEW
//
// compares two generated files, or git:REV:PATH revisions of one, as a
// table (exit 0 same, 1 different, 2 bad input).
//
// Two subcommands help with what the analysis cannot see, such as the
// programs a program starts (they run under its filter):
//
//	sandboxgen trace [-pkg DIR] [-write] [-json] -- COMMAND [ARGS...]
//	sandboxgen audit [-exe PATH] [-write] [-pkg DIR] [-json] [FILE|-]
//
// trace runs a command under ptrace and counts every syscall of its process
// tree per executable, before and after Lock, and compares them with the
// generated allow-list; audit names the kernel's seccomp audit records
// (log mode). With -write both add what is missing to sandbox.learned next
// to main, which generation merges (-why shows "learned: child EXE").
// -exec-child=shell adds a measured preset for a shell and the core
// utilities. See docs/children.md.
//
// Reports are cached in $XDG_CACHE_HOME/sandboxgen (~/.cache/sandboxgen),
// keyed on every input of the analysis (see internal/analysiscache): a run
// whose inputs are unchanged answers from it. SANDBOXGEN_CACHE=off turns it
// off; sandboxgen -clean-cache removes it. The architectures are analysed
// at once when the machine has a core and the memory for each (200 MiB
// plus 4.5 MiB per package of the import closure) and GOMEMLIMIT is not
// set; SANDBOXGEN_JOBS=1 analyses them one after the other.
//
// Exit status: 0 success, 1 -check found stale or missing files, 2 bad
// usage or input (a pattern that matches nothing, a package that is not
// main, code that does not build, an unknown syscall name, an unresolved
// syscall site), with a message that names the problem and the fix.
package main
