// Command sandboxgen writes the seccomp filter of a Go program into the
// program's main package, so that the program can sandbox itself with
// selfsandbox.Lock.
//
// Usage:
//
//	sandboxgen [flags] [packages]
//
// For every main package matched by the packages (default ".", "./..."
// works) it analyses the program for each target architecture (-arch,
// default amd64,arm64): the syscalls the program's own code can make after
// main starts (package analyzer) and those the Go runtime of the toolchain
// in PATH makes (package runtimeprofile). It turns them into a policy,
// applies the command line's overrides (-allow, -deny, -readonly-fs), bakes
// in the default action of -mode, compiles the policy into seccomp BPF and
// renders it as Go source (package gen). Every file is rendered in memory
// first and written only when all of them succeeded, each atomically
// (temporary file and rename), so bad input leaves no file behind.
//
// Typical use is a go:generate line in the main package:
//
//	//go:generate go run github.com/sandboxgen/sandboxgen/cmd/sandboxgen
//
// and `sandboxgen -check ./...` in CI, which writes nothing and exits 1
// with a diff when a file on disk is stale. -why NAME prints the call path
// that makes a syscall necessary; -json prints the full report; -v prints
// phase timings. Run sandboxgen -h for every flag.
//
// -format docker|oci|spo prints, instead of the Go files, a seccomp profile
// for a container runtime (Docker's JSON profile, an OCI config.json's
// linux.seccomp, a Kubernetes SeccompProfile of the Security Profiles
// Operator) covering the whole process life; see internal/containerprofile
// and docs/containers.md. Each allow-list line of a generated file ends with
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
// Exit status: 0 success, 1 -check found stale or missing files, 2 bad
// usage or input (a pattern that matches nothing, a package that is not
// main, code that does not build, an unknown syscall name, an unresolved
// syscall site), with a message that names the problem and the fix.
package main
