// Package proctrace runs a command under ptrace and counts every syscall
// of its whole process tree, attributed to the executable that made it.
//
// The tracer follows fork, vfork, clone and execve
// (PTRACE_O_TRACEFORK|TRACEVFORK|TRACECLONE|TRACEEXEC), stops at every
// syscall entry and exit (PTRACE_SYSCALL with TRACESYSGOOD) and reads each
// syscall with PTRACE_GET_SYSCALL_INFO (Linux 5.3), which gives the number
// and the audit architecture the same way on every architecture, so a
// 32-bit child on a 64-bit kernel is counted under its own table. After an
// execve the process is attributed to its new executable (/proc/PID/exe).
// PTRACE_O_EXITKILL kills the tree if the tracer dies.
//
// For each process the tracer also notes when it installs a seccomp filter
// (seccomp(SECCOMP_SET_MODE_FILTER) or prctl(PR_SET_SECCOMP,
// SECCOMP_MODE_FILTER) returning success): a syscall is counted as Before
// or After that point, and a process forked after it starts filtered, as
// the kernel's filter inheritance does. A process that never installs a
// filter has every syscall Before; the caller decides what that means.
//
// Seccomp and ptrace interplay: the kernel reports the syscall-entry stop
// before the seccomp filter runs, so a call the filter denies is counted
// too; in KILL_PROCESS mode the process then dies with SIGSYS as it would
// untraced (Result reports how the command ended). A filter that answered
// RET_TRACE would stop the tracee for a seccomp event; sandboxgen's filters
// never do, and the tracer does not ask for those events.
//
// ptrace requests must come from the thread that attached, so Run locks
// its goroutine to an OS thread for the whole trace.
package proctrace
