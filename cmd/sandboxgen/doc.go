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
// Typical use is a go:generate line in the main package:
//
//	//go:generate go run github.com/sandboxgen/sandboxgen/cmd/sandboxgen -deny connect .
//
// and `sandboxgen -check ./...` in CI, which writes nothing and exits 1
// with a diff when a file on disk is stale. -why NAME prints the call path
// that makes a syscall necessary; -json prints the full report; both write
// nothing. -v prints phase timings and the warnings in full (they are
// otherwise printed once per run, short). Every file is rendered in memory
// first; a run writes all of them, each atomically (temporary file and
// rename), or, when a write fails, puts back those already replaced. Run
// sandboxgen -h for every flag.
//
// Exit status: 0 success, 1 -check found stale or missing files, 2 bad
// usage or input (a pattern that matches nothing, a package that is not
// main, code that does not build, an unknown syscall name, an unresolved
// syscall site), with a message that names the problem and the fix.
package main
