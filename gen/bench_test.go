package gen

import (
	"testing"

	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// webServerSyscalls is roughly what a net/http server needs after main
// with the Go runtime's baseline.
var webServerSyscalls = []string{
	"accept4", "bind", "clone", "close", "connect", "epoll_create1", "epoll_ctl", "epoll_pwait", "eventfd2",
	"exit", "exit_group", "fcntl", "fstat", "futex", "getpeername", "getpid", "getrandom", "getsockname",
	"getsockopt", "gettid", "listen", "madvise", "mmap", "munmap", "nanosleep", "newfstatat", "openat",
	"pipe2", "read", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sched_getaffinity", "sched_yield",
	"setsockopt", "shutdown", "sigaltstack", "socket", "tgkill", "write", "writev",
}

// benchPolicies are the policies Compile is timed on: a web server's list,
// the same with argument rules, and every syscall of the arch allowed.
func benchPolicies(b *testing.B) map[string]Policy {
	table, err := systable.Lookup("amd64")
	if err != nil {
		b.Fatal(err)
	}
	web := Policy{Arch: "amd64", Default: KillProcess, Syscalls: map[string][]Rule{}}
	for _, n := range webServerSyscalls {
		web.Syscalls[n] = []Rule{{Action: Allow}}
	}
	withArgs := Policy{Arch: "amd64", Default: KillProcess, Syscalls: map[string][]Rule{}}
	for n, r := range web.Syscalls {
		withArgs.Syscalls[n] = r
	}
	withArgs.Syscalls["fcntl"] = []Rule{{Action: Allow, Args: []ArgCond{{Index: 1, Op: OpLess, Value: 5}}}}
	withArgs.Syscalls["socket"] = []Rule{{Action: Allow, Args: []ArgCond{{Index: 0, Op: OpEqual, Value: 2}}}, {Action: Allow, Args: []ArgCond{{Index: 0, Op: OpEqual, Value: 10}}}}
	withArgs.Syscalls["clone"] = []Rule{{Action: Allow, Args: []ArgCond{{Index: 0, Op: OpMaskedEqual, Mask: 0x10000, Value: 0x10000}}}}
	all := Policy{Arch: "amd64", Default: Errno(1), Syscalls: map[string][]Rule{}}
	for _, s := range table.Syscalls() {
		all.Syscalls[s.Name] = []Rule{{Action: Allow}}
	}
	return map[string]Policy{"web": web, "web+args": withArgs, "all": all}
}

// BenchmarkCompile times Compile and reports the program's length.
func BenchmarkCompile(b *testing.B) {
	policies := benchPolicies(b)
	for _, name := range []string{"web", "web+args", "all"} {
		p := policies[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var prog *Program
			for b.Loop() {
				var err error
				if prog, err = Compile(p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(prog.Instructions)), "insns")
		})
	}
}
