// Package seccompabi holds the kernel's seccomp ABI values the module
// needs in more than one place: the SECCOMP_RET_* actions a filter
// returns, the AUDIT_ARCH_* value each Linux GOARCH reports in
// seccomp_data.arch, and the errno numbers the generated filters return.
// The BPF instruction set and the kernel's checks on a filter are in
// internal/bpf.
//
// It imports nothing, so that selfsandbox, which builds on every GOOS, can
// use it as freely as gen and the analyzer; its tests check every value
// against golang.org/x/sys/unix and the syscall tables.
package seccompabi
