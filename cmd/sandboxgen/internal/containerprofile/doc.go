// Package containerprofile turns sandboxgen's analysis of a program into a
// seccomp profile a container runtime loads: Docker's JSON profile (also
// read by Podman, containerd and CRI-O), the linux.seccomp object of an
// OCI bundle's config.json, and the Security Profiles Operator's
// SeccompProfile resource for Kubernetes.
//
// A container profile applies from the container process's execve to its
// exit, not from selfsandbox.Lock on, so Build adds to the program's whole
// allow-list (analysed without pruning, with the wide policy when the
// program has a Fallback):
//
//   - the Go runtime's start-up before main.main (the runtime profile's
//     pre-main syscalls and those measured under strace from execve, such
//     as arch_prctl and the transparent-hugepage openat),
//   - the creation of the network poller, which Lock does before its
//     filter but which a container's program does under the profile,
//   - what the container runtime itself does on the process's init thread
//     after loading the profile and before execve (runc 1.1: fstatfs,
//     getdents64, epoll_ctl, openat, close, write, futex, getpid,
//     rt_sigreturn and execve; crun and plain libseccomp: execve).
//
// Every entry keeps its origin (see internal/needorigin), which the Docker
// format carries as the entry's comment. Argument rules carry over: every
// comparison is on the full 64-bit value, masked equality becomes
// SCMP_CMP_MASKED_EQ with the mask in value and the expected bits in
// valueTwo.
package containerprofile
