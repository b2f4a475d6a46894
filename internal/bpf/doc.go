// Package bpf is classic BPF as seccomp uses it: the instruction encoding,
// a validator that accepts what the kernel's seccomp checker accepts, an
// interpreter over struct seccomp_data, and an emulator of the kernel's
// action-cache rule (which syscalls a filter always allows, so that the
// kernel can skip running it).
//
// The validator is the one copy of the kernel's checks: gen runs it on
// every program it compiles and selfsandbox on every program it installs.
// The interpreter and the cache emulator are the references the compiler
// in package gen is tested and benchmarked against; the kernel itself is
// the reference for this package's tests. Like internal/seccompabi, the
// package needs only the standard library, so that selfsandbox can import
// it on every GOOS.
package bpf
