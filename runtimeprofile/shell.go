package runtimeprofile

// ShellSyscall is one syscall of the shell preset: a syscall a shell and
// the core utilities it runs make under a filter they inherit.
type ShellSyscall struct {
	Name   string // kernel name on amd64, where it was measured
	MadeBy string // the programs that made it in the measurement
}

// ShellTrigger is the trigger the CLI reports for the shell preset's
// syscalls (-exec-child=shell).
const ShellTrigger = "exec-child:shell"

// Shell is the shell preset: every syscall that dash and bash made
// running ls, cat, cp, mv, rm, mkdir, rmdir, mktemp, tr, sort, uniq, head,
// tail, wc, grep, sed, awk, find, date, sleep, env and xargs with pipes,
// redirections, command substitution and a subshell
// (cmd/sandboxgen/testdata/children/shell-workload.sh), measured with
// "sandboxgen trace" on Debian 12 amd64 (Linux 6.18): dash 0.5.12-2,
// bash 5.2.15-2+b8, coreutils 9.1-1, grep 3.8-5, sed 4.9-1,
// mawk 1.3.4.20200120-3.1, findutils 4.9.0-4, glibc 2.36.
//
// It is much wider than a Go program's own allow-list: a program that
// shells out runs all of this under its filter, and the filter cannot tell
// the program's calls from the shell's. Among it: socket and connect (ls -l
// asks nscd for user names), mkdir, rmdir, unlinkat and renameat2 (the
// utilities' work). That is the price of shelling out; a program that can
// do the work in Go keeps the narrower filter.
//
// The list is the whole measured set, not only what the ExecChild group
// lacks, so it stays complete whatever that group holds. Other
// architectures get each name their table has, and ShellEquivalents for
// the amd64-only ones.
var Shell = []ShellSyscall{
	{Name: "access", MadeBy: "every program (the loader and libc)"},
	{Name: "arch_prctl", MadeBy: "every program (the loader and libc)"},
	{Name: "brk", MadeBy: "every program (the loader and libc)"},
	{Name: "chdir", MadeBy: "bash, dash"},
	{Name: "clock_nanosleep", MadeBy: "sleep"},
	{Name: "clone", MadeBy: "bash, dash, xargs"},
	{Name: "close", MadeBy: "every program (the loader and libc)"},
	{Name: "connect", MadeBy: "ls"},
	{Name: "copy_file_range", MadeBy: "cat, cp"},
	{Name: "dup2", MadeBy: "bash, dash, xargs"},
	{Name: "execve", MadeBy: "bash, dash, xargs"},
	{Name: "exit_group", MadeBy: "every program (the loader and libc)"},
	{Name: "fadvise64", MadeBy: "cat, cp, sort, tr, uniq, wc"},
	{Name: "fchdir", MadeBy: "find, mkdir"},
	{Name: "fcntl", MadeBy: "bash, dash, find, rm, xargs"},
	{Name: "fstatfs", MadeBy: "find"},
	{Name: "futex", MadeBy: "every program (the loader and libc)"},
	{Name: "getdents64", MadeBy: "find, ls, rm, xargs"},
	{Name: "getegid", MadeBy: "bash, dash"},
	{Name: "geteuid", MadeBy: "bash, cp, dash, mv"},
	{Name: "getgid", MadeBy: "bash, dash"},
	{Name: "getpeername", MadeBy: "bash"},
	{Name: "getpgrp", MadeBy: "bash"},
	{Name: "getpid", MadeBy: "bash, dash, xargs"},
	{Name: "getppid", MadeBy: "bash, dash"},
	{Name: "getrandom", MadeBy: "every program (the loader and libc)"},
	{Name: "getuid", MadeBy: "bash, dash"},
	{Name: "getxattr", MadeBy: "ls"},
	{Name: "ioctl", MadeBy: "bash, cp, date, find, ls, mawk, mv, rm"},
	{Name: "lgetxattr", MadeBy: "ls"},
	{Name: "lseek", MadeBy: "cp, date, grep, head, ls, mv, rm, sort, uniq, xargs"},
	{Name: "mkdir", MadeBy: "mkdir, mktemp"},
	{Name: "mmap", MadeBy: "every program (the loader and libc)"},
	{Name: "mprotect", MadeBy: "every program (the loader and libc)"},
	{Name: "munmap", MadeBy: "every program (the loader and libc)"},
	{Name: "newfstatat", MadeBy: "every program (the loader and libc)"},
	{Name: "openat", MadeBy: "every program (the loader and libc)"},
	{Name: "pipe2", MadeBy: "bash, dash, xargs"},
	{Name: "poll", MadeBy: "xargs"},
	{Name: "pread64", MadeBy: "every program (the loader and libc)"},
	{Name: "prlimit64", MadeBy: "every program (the loader and libc)"},
	{Name: "read", MadeBy: "every program (the loader and libc)"},
	{Name: "readlink", MadeBy: "ls"},
	{Name: "renameat2", MadeBy: "mv"},
	{Name: "rmdir", MadeBy: "rmdir"},
	{Name: "rseq", MadeBy: "every program (the loader and libc)"},
	{Name: "rt_sigaction", MadeBy: "bash, dash, grep, sort, xargs"},
	{Name: "rt_sigprocmask", MadeBy: "bash, dash"},
	{Name: "rt_sigreturn", MadeBy: "bash, dash"},
	{Name: "sched_getaffinity", MadeBy: "sort"},
	{Name: "set_robust_list", MadeBy: "every program (the loader and libc)"},
	{Name: "set_tid_address", MadeBy: "every program (the loader and libc)"},
	{Name: "sigaltstack", MadeBy: "grep"},
	{Name: "socket", MadeBy: "ls"},
	{Name: "splice", MadeBy: "grep"},
	{Name: "statfs", MadeBy: "cp, find, ls, mkdir, mv, sed"},
	{Name: "statx", MadeBy: "ls"},
	{Name: "sysinfo", MadeBy: "bash, sort"},
	{Name: "umask", MadeBy: "mkdir"},
	{Name: "uname", MadeBy: "bash, find"},
	{Name: "unlinkat", MadeBy: "rm"},
	{Name: "vfork", MadeBy: "dash"},
	{Name: "wait4", MadeBy: "bash, dash, xargs"},
	{Name: "write", MadeBy: "bash, cat, dash, date, env, find, grep, head, ls, mawk, mktemp, sed, sort, tail, tr, uniq, wc"},
}

// ShellEquivalents maps the preset's syscalls that only some
// architectures have (the legacy ones) to what libc calls instead where
// they are missing, e.g. on arm64 and riscv64. An empty list says the
// architecture needs no counterpart.
var ShellEquivalents = map[string][]string{
	"access":     {"faccessat", "faccessat2"},
	"dup2":       {"dup3"},
	"mkdir":      {"mkdirat"},
	"newfstatat": {"fstatat64", "statx"},
	"poll":       {"ppoll"},
	"readlink":   {"readlinkat"},
	"rmdir":      {"unlinkat"},
	"vfork":      {"clone"},
	"fadvise64":  {"fadvise64_64", "arm_fadvise64_64"},
	"mmap":       {"mmap2"},
	"prlimit64":  {"ugetrlimit"},
	"statfs":     {"statfs64"},
	"fstatfs":    {"fstatfs64"},
	"fcntl":      {"fcntl64"},
	"lseek":      {"_llseek"},
	"wait4":      {"waitid"},
	"getpgrp":    {"getpgid"},
	// Other architectures set up thread-local storage without a syscall
	// (or with one libc makes only on arm, outside the tables).
	"arch_prctl": {},
}
