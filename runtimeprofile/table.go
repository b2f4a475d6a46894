package runtimeprofile

import "strings"

// This file holds the facts that cannot be read from the runtime's source:
// what makes the runtime reach each function that issues a syscall (the
// trigger table), and the syscalls a Go process needs after main that no
// scan of the runtime finds (the extra table). Every entry says why.

// triggerOf returns the trigger and group of syscall issued in function fn
// (a node key such as "runtime.futex" or
// "internal/runtime/cgroup.readV2Limit").
// A function the table does not know gets TriggerUnknown in Base: it is
// still allowed, and TestEveryRuntimeSiteHasATrigger fails so that a new
// function in a new Go release is noticed and classified.
func triggerOf(fn, syscall string) (Trigger, Group) {
	if t, ok := syscallTriggers[[2]string{fn, syscall}]; ok {
		return t.trigger, t.group
	}
	fn = strings.TrimSuffix(fn, closureSuffix)
	if t, ok := siteTriggers[fn]; ok {
		return t.trigger, t.group
	}
	return TriggerUnknown, Base
}

type siteTrigger struct {
	trigger Trigger
	group   Group
}

func base(t Trigger) siteTrigger { return siteTrigger{t, Base} }

// siteTriggers maps the runtime function that issues a syscall to what
// makes the runtime call it. Keys are assembly TEXT symbols of
// sys_linux_<arch>.s (and time_linux_amd64.s), and the Go functions that
// call internal/runtime/syscall/linux directly.
var siteTriggers = map[string]siteTrigger{
	// The scheduler, locks and notes: every program.
	"runtime.futex":   base(TriggerAlways), // lock_futex.go: notesleep/notewakeup, every lock
	"runtime.osyield": base(TriggerAlways), // spinning Ms, sysmon, GC handoffs
	"runtime.usleep":  base(TriggerAlways), // sysmon's sleep, spinning; the crash path sleeps too

	// Clocks: the vDSO answers, the syscall is its fallback.
	"runtime.nanotime1": base(TriggerTimers),
	"runtime.walltime":  base(TriggerTimers),
	"time.now":          base(TriggerTimers),

	// Threads.
	"runtime.clone":         base(TriggerNewThread), // newosproc; its exit is the "fn returned" guard
	"runtime.gettid":        base(TriggerNewThread), // minit records the thread id
	"runtime.sigaltstack":   base(TriggerNewThread), // minitSignalStack on every new M, and at exit
	"runtime.rtsigprocmask": base(TriggerNewThread), // newosproc blocks signals around clone; minit unblocks
	"runtime.exitThread":    base(TriggerThreadExit),

	// 32-bit arches with 64-bit time: both variants, the kernel picks.
	"runtime.futex_time32": base(TriggerAlways),
	"runtime.futex_time64": base(TriggerAlways),

	// 386 sets up each new thread's TLS segment, and clone's guard exit.
	"runtime.setldt": base(TriggerNewThread),
	"runtime.exit1":  base(TriggerNewThread),

	// Memory.
	"runtime.sysMmap":    base(TriggerMemory), // heap growth, stacks, the vDSO getrandom state
	"runtime.sysMunmap":  base(TriggerMemory),
	"runtime.mmap":       base(TriggerMemory), // arches whose assembly is mmap itself (mips, ppc64, riscv64, s390x, 386)
	"runtime.munmap":     base(TriggerMemory),
	"runtime.madvise":    base(TriggerMemory), // scavenger, FreeOSMemory, huge-page hints
	"runtime.mprotect":   base(TriggerMemory), // sysFault (debug fault-on-free modes)
	"runtime.setVMAName": base(TriggerMemory), // prctl(PR_SET_VMA) names each new mapping (GODEBUG decoratemappings, default on from go 1.25 modules)

	// The network poller.
	"runtime.netpollinit":  base(TriggerNetpollInit), // first use of the poller: epoll_create1, eventfd2, epoll_ctl; once
	"runtime.netpollopen":  base(TriggerNetpoll),
	"runtime.netpollclose": base(TriggerNetpoll),
	"runtime.netpoll":      base(TriggerNetpoll), // epoll_pwait
	"runtime.read":         base(TriggerNetpoll), // draining the wake-up eventfd (netpoll)
	"runtime.write1":       base(TriggerNetpoll), // netpollBreak writes the eventfd; also print/crash output

	// Signals and preemption.
	"runtime.rt_sigaction":         base(TriggerSignals), // os/signal Notify/Ignore/Reset, crash re-raise
	"runtime.sigreturn__sigaction": base(TriggerSignals), // SA_RESTORER trampoline after every handler
	"runtime.getpid":               base(TriggerSignals), // signalM (async preemption) = tgkill(getpid(), tid, SIGURG)
	"runtime.tgkill":               base(TriggerSignals),
	"runtime.raise":                base(TriggerSignals), // re-raising a signal on the current thread
	"runtime.raiseproc":            base(TriggerSignals), // re-raising to the process (crash, SIGPIPE on stdout)

	// Exit.
	"runtime.exit": base(TriggerCrash), // exit_group: os.Exit, return from main, fatal errors

	// The GOMAXPROCS updater (sysmon re-reads affinity and cgroup limits).
	"runtime.sched_getaffinity":                 {TriggerMaxProcs, Base},
	"internal/runtime/cgroup.readV1Number":      {TriggerMaxProcs, Base},
	"internal/runtime/cgroup.readV2Limit":       {TriggerMaxProcs, Base},
	"internal/runtime/cgroup.FindCPUCgroup":     {TriggerMaxProcs, Base},
	"internal/runtime/cgroup.FindCPUMountPoint": {TriggerMaxProcs, Base},
	"internal/runtime/cgroup.OpenCPU":           {TriggerMaxProcs, Base},
	"internal/runtime/cgroup.CPU.Close":         {TriggerMaxProcs, Base},

	// Called by other packages through //go:linkname: internal/syscall/unix.Fcntl,
	// and internal/cpu's riscv64 feature probe (riscv_hwprobe).
	"runtime.fcntl":                     base(TriggerLinkname),
	"runtime.internal_cpu_riscvHWProbe": base(TriggerLinkname),

	// CPU profiling: only SetCPUProfileRate (runtime/pprof.StartCPUProfile)
	// arms these timers.
	"runtime.setitimer":       {TriggerProfiling, CPUProfile},
	"runtime.timer_create":    {TriggerProfiling, CPUProfile},
	"runtime.timer_settime":   {TriggerProfiling, CPUProfile},
	"runtime.timer_delete":    {TriggerProfiling, CPUProfile},
	"runtime.timer_settime32": {TriggerProfiling, CPUProfile},
	"runtime.timer_settime64": {TriggerProfiling, CPUProfile},

	// Start-up only (proved by the call graph, see preMain; listed so that
	// a change that makes them reachable after main still gets a trigger).
	"runtime.open":    base(TriggerStartup), // sysargs' /proc/self/auxv, the THP size in osinit
	"runtime.closefd": base(TriggerStartup),
	"runtime.mincore": base(TriggerStartup), // sysargs' page-size probe
	"runtime.sbrk0":   base(TriggerStartup), // mallocinit
	// rt0_go sets up TLS once; cgocallback's needm path (a C thread
	// calling into Go) only exists with cgo, hence the Cgo group when the
	// graph cannot prove start-up only.
	"runtime.settls":           {TriggerCgo, Cgo},
	"runtime.getKernelVersion": base(TriggerStartup), // 32-bit osinit only
	"runtime.pipe2":            base(TriggerStartup), // nonblockingPipe: unused on linux
	"runtime.access":           base(TriggerStartup), // android's log writer
	"runtime.socket":           base(TriggerStartup), // android's log writer
	"runtime.connect":          base(TriggerStartup), // android's log writer
}

// syscallTriggers refines siteTriggers for a function that issues several
// syscalls for different reasons.
var syscallTriggers = map[[2]string]siteTrigger{
	// clone's child exits if the thread's start function ever returns.
	{"runtime.clone", "exit"}: base(TriggerThreadExit),
	// raise re-raises a signal on the current thread: getpid, gettid, tgkill.
	{"runtime.raise", "gettid"}: base(TriggerSignals),
}

type extraSyscall struct {
	name    string
	group   Group
	trigger Trigger
	errno   uint16
	arches  []string // nil: every arch that has the syscall
	why     string
}

const enosys = 38 // ENOSYS on every Linux architecture

// extraSyscalls are needed after main but issued by no runtime source:
// by the kernel on the runtime's behalf, by libc, or by a child program.
// Names an architecture lacks (open on arm64) are skipped.
var extraSyscalls = []extraSyscall{
	{name: "restart_syscall", group: Base, trigger: TriggerSignals,
		why: "the kernel issues it when a signal handler returns into an interrupted nanosleep/futex wait (the runtime's sleeps are interrupted by preemption signals)"},
	{name: "getrandom", group: Base, trigger: TriggerRandom,
		why: "the vDSO getrandom (found in vdsoSymbolKeys where the arch has it) enters the kernel to seed its state; where it is missing, crypto/rand's fallback issues the syscall after the runtime's vgetrandom declines"},
	{name: "write", group: Base, trigger: TriggerCrash,
		why: "runtime.write1 is also how print reports panics, fatal errors and tracebacks to fd 2 (printpanics, dopanic_m); without it a crash after Lock ends with no message (strace of a panicking program: write(2, \"panic: \"...) then exit_group(2))"},
	{name: "rt_sigreturn", group: Base, trigger: TriggerSignals,
		why: "every signal handler returns through the signal trampoline (the runtime's SA_RESTORER on amd64, the vDSO's __kernel_rt_sigreturn on arm64)"},

	// cgo: glibc's pthread_create and malloc, on threads the runtime starts
	// through runtime/cgo, and the runtime's needm/cgocallback path.
	{name: "clone3", group: Cgo, trigger: TriggerCgo, errno: enosys,
		why: "glibc's pthread_create tries clone3 first; its flags are behind a pointer no filter can read, so it is answered ENOSYS and glibc falls back to clone"},
	{name: "clone", group: Cgo, trigger: TriggerCgo, why: "glibc's pthread_create after clone3 fails with ENOSYS"},
	{name: "rseq", group: Cgo, trigger: TriggerCgo, why: "glibc registers restartable sequences on each new thread"},
	{name: "set_robust_list", group: Cgo, trigger: TriggerCgo, why: "glibc registers the robust futex list on each new thread"},
	{name: "mprotect", group: Cgo, trigger: TriggerCgo, why: "glibc's pthread stacks get a guard page"},
	{name: "mmap", group: Cgo, trigger: TriggerCgo, why: "glibc allocates pthread stacks and malloc arenas"},
	{name: "munmap", group: Cgo, trigger: TriggerCgo, why: "glibc frees pthread stacks and malloc arenas"},
	{name: "madvise", group: Cgo, trigger: TriggerCgo, why: "glibc releases an exited thread's stack"},
	{name: "brk", group: Cgo, trigger: TriggerCgo, why: "glibc's malloc grows the main arena"},
	{name: "getrandom", group: Cgo, trigger: TriggerCgo, why: "glibc's malloc seeds its tcache key"},
	{name: "rt_sigprocmask", group: Cgo, trigger: TriggerCgo, why: "pthread_create blocks signals around clone"},
	// Measured with strace of a cgo program starting threads after Lock
	// (analyzer/testdata/buildsettings): the first malloc on a new thread
	// creates its arena, and glibc counts the CPUs for the arena limit.
	{name: "openat", group: Cgo, trigger: TriggerCgo, why: "glibc's malloc opens /sys/devices/system/cpu/online (get_nprocs, read-only) when a new thread creates its arena"},
	{name: "read", group: Cgo, trigger: TriggerCgo, why: "glibc's malloc reads /sys/devices/system/cpu/online"},
	{name: "close", group: Cgo, trigger: TriggerCgo, why: "glibc's malloc closes /sys/devices/system/cpu/online"},
	// Not arch_prctl: on Linux, runtime.settls runs only in rt0_go (the
	// calls in asm_amd64.s's cgocallback path are #ifdef GOOS_windows), and
	// glibc sets a new thread's TLS with clone's CLONE_SETTLS. strace of a
	// cgo program starting pthreads, calling malloc, getaddrinfo (DNS and
	// NSS) and getpwuid_r from eight threads saw it only before main.

	// os/exec in the parent, beyond what the program analysis sees, and the
	// forked child between clone and execve (syscall.forkAndExecInChild1
	// runs there under the parent's filter). Measured with strace of
	// os/exec starting /bin/true, /bin/sh and a Go program.
	{name: "clone", group: ForkExec, trigger: TriggerForkExec, why: "syscall.forkAndExecInChild: rawVforkSyscall(SYS_CLONE, CLONE_VFORK|CLONE_VM) from assembly"},
	{name: "execve", group: ForkExec, trigger: TriggerForkExec, why: "the forked child execs the new program"},
	{name: "exit_group", group: ForkExec, trigger: TriggerForkExec, why: "the forked child exits when execve fails"},
	{name: "exit", group: ForkExec, trigger: TriggerForkExec, why: "the forked child exits when execve fails"},
	{name: "wait4", group: ForkExec, trigger: TriggerForkExec, why: "os.(*Process).Wait without pidfd support"},
	{name: "waitid", group: ForkExec, trigger: TriggerForkExec, why: "os.(*Process).Wait, and the pidfd probe"},
	{name: "pidfd_open", group: ForkExec, trigger: TriggerForkExec, why: "os probes pidfd support once"},
	{name: "pidfd_send_signal", group: ForkExec, trigger: TriggerForkExec, why: "os.(*Process).Signal with a pidfd, and the pidfd probe"},
	{name: "pipe2", group: ForkExec, trigger: TriggerForkExec, why: "syscall.forkExec's error pipe, and os/exec's stdio pipes"},
	{name: "dup3", group: ForkExec, trigger: TriggerForkExec, why: "the forked child moves the stdio descriptors into place"},
	{name: "dup2", group: ForkExec, trigger: TriggerForkExec, arches: []string{"amd64"}, why: "the forked child moves the stdio descriptors into place"},
	{name: "fcntl", group: ForkExec, trigger: TriggerForkExec, why: "the forked child clears close-on-exec on the descriptors it passes"},
	{name: "close", group: ForkExec, trigger: TriggerForkExec, why: "the forked child and the parent close pipe ends"},
	{name: "read", group: ForkExec, trigger: TriggerForkExec, why: "the parent reads the child's exec error pipe"},
	{name: "write", group: ForkExec, trigger: TriggerForkExec, why: "the forked child reports an exec error through the pipe"},
	{name: "rt_sigprocmask", group: ForkExec, trigger: TriggerForkExec, why: "the forked child restores the signal mask"},
	{name: "rt_sigaction", group: ForkExec, trigger: TriggerForkExec, why: "the forked child resets signal handlers"},
	{name: "prctl", group: ForkExec, trigger: TriggerForkExec, why: "SysProcAttr.Pdeathsig in the forked child"},
	{name: "getpid", group: ForkExec, trigger: TriggerForkExec, why: "the forked child checks its parent (Pdeathsig)"},

	// A child program's start-up after execve: the filter survives execve,
	// so the dynamic loader, libc and another Go runtime start under it.
	// Measured with strace of /bin/true, /bin/sh -c and a Go program started
	// by os/exec (the stress program's exec mode); generous on purpose,
	// since children are not analysed. Off unless asked for.
	{name: "execve", group: ExecChild, trigger: TriggerExecChild, why: "the exec itself returns into the new program"},
	{name: "brk", group: ExecChild, trigger: TriggerExecChild, why: "ld.so and malloc set up the heap"},
	{name: "arch_prctl", group: ExecChild, trigger: TriggerExecChild, why: "ld.so and the Go runtime set up thread-local storage (amd64)"},
	{name: "access", group: ExecChild, trigger: TriggerExecChild, why: "ld.so checks /etc/ld.so.preload"},
	{name: "faccessat", group: ExecChild, trigger: TriggerExecChild, why: "ld.so checks /etc/ld.so.preload"},
	{name: "faccessat2", group: ExecChild, trigger: TriggerExecChild, why: "libc's access"},
	{name: "openat", group: ExecChild, trigger: TriggerExecChild, why: "ld.so opens the cache and libraries; the Go runtime reads THP and cgroup files"},
	{name: "open", group: ExecChild, trigger: TriggerExecChild, why: "older loaders open libraries"},
	{name: "read", group: ExecChild, trigger: TriggerExecChild, why: "ld.so reads ELF headers"},
	{name: "pread64", group: ExecChild, trigger: TriggerExecChild, why: "ld.so reads program headers; the Go runtime reads cgroup limits"},
	{name: "newfstatat", group: ExecChild, trigger: TriggerExecChild, why: "ld.so stats the libraries it maps"},
	{name: "fstat", group: ExecChild, trigger: TriggerExecChild, why: "ld.so and libc stat descriptors"},
	{name: "statx", group: ExecChild, trigger: TriggerExecChild, why: "libc stats files"},
	{name: "lseek", group: ExecChild, trigger: TriggerExecChild, why: "libc stdio"},
	{name: "close", group: ExecChild, trigger: TriggerExecChild, why: "ld.so closes the libraries it mapped"},
	{name: "mmap", group: ExecChild, trigger: TriggerExecChild, why: "ld.so maps libraries; the Go runtime maps its heap"},
	{name: "mprotect", group: ExecChild, trigger: TriggerExecChild, why: "ld.so applies RELRO; glibc guards thread stacks"},
	{name: "munmap", group: ExecChild, trigger: TriggerExecChild, why: "ld.so unmaps the cache"},
	{name: "madvise", group: ExecChild, trigger: TriggerExecChild, why: "the Go runtime and glibc release memory"},
	{name: "set_tid_address", group: ExecChild, trigger: TriggerExecChild, why: "glibc's start-up"},
	{name: "set_robust_list", group: ExecChild, trigger: TriggerExecChild, why: "glibc's start-up and each new thread"},
	{name: "rseq", group: ExecChild, trigger: TriggerExecChild, why: "glibc's start-up and each new thread"},
	{name: "prlimit64", group: ExecChild, trigger: TriggerExecChild, why: "glibc's stack limit; the Go runtime raises RLIMIT_NOFILE in os's init"},
	{name: "getrandom", group: ExecChild, trigger: TriggerExecChild, why: "glibc's malloc and stack protector seed; the Go runtime's vDSO getrandom"},
	{name: "uname", group: ExecChild, trigger: TriggerExecChild, why: "libc and shells read the kernel version"},
	{name: "getuid", group: ExecChild, trigger: TriggerExecChild, why: "shells and libc check credentials"},
	{name: "geteuid", group: ExecChild, trigger: TriggerExecChild, why: "shells and libc check credentials"},
	{name: "getgid", group: ExecChild, trigger: TriggerExecChild, why: "shells and libc check credentials"},
	{name: "getegid", group: ExecChild, trigger: TriggerExecChild, why: "shells and libc check credentials"},
	{name: "getpid", group: ExecChild, trigger: TriggerExecChild, why: "shells record their pid"},
	{name: "getppid", group: ExecChild, trigger: TriggerExecChild, why: "shells record their parent"},
	{name: "getcwd", group: ExecChild, trigger: TriggerExecChild, why: "shells record the working directory"},
	{name: "ioctl", group: ExecChild, trigger: TriggerExecChild, why: "libc asks whether stdio is a terminal"},
	{name: "fcntl", group: ExecChild, trigger: TriggerExecChild, why: "libc and shells duplicate descriptors"},
	{name: "dup2", group: ExecChild, trigger: TriggerExecChild, why: "shells redirect descriptors"},
	{name: "dup3", group: ExecChild, trigger: TriggerExecChild, why: "shells redirect descriptors"},
	{name: "pipe2", group: ExecChild, trigger: TriggerExecChild, why: "shells build pipelines"},
	{name: "readlink", group: ExecChild, trigger: TriggerExecChild, why: "the Go runtime and libc resolve /proc/self/exe"},
	{name: "readlinkat", group: ExecChild, trigger: TriggerExecChild, why: "os.Executable in a Go child"},
	{name: "getdents64", group: ExecChild, trigger: TriggerExecChild, why: "shells glob directories"},
	{name: "write", group: ExecChild, trigger: TriggerExecChild, why: "the child writes its output"},
	{name: "writev", group: ExecChild, trigger: TriggerExecChild, why: "libc writes diagnostics"},
	{name: "rt_sigaction", group: ExecChild, trigger: TriggerExecChild, why: "libc, shells and the Go runtime install handlers"},
	{name: "rt_sigprocmask", group: ExecChild, trigger: TriggerExecChild, why: "libc, shells and the Go runtime set masks"},
	{name: "rt_sigreturn", group: ExecChild, trigger: TriggerExecChild, why: "signal handlers return"},
	{name: "sigaltstack", group: ExecChild, trigger: TriggerExecChild, why: "the Go runtime's signal stacks"},
	{name: "futex", group: ExecChild, trigger: TriggerExecChild, why: "locks in libc and the Go runtime"},
	{name: "clone", group: ExecChild, trigger: TriggerExecChild, why: "shells fork; the Go runtime starts threads"},
	{name: "wait4", group: ExecChild, trigger: TriggerExecChild, why: "shells wait for their children"},
	{name: "exit_group", group: ExecChild, trigger: TriggerExecChild, why: "the child exits"},
	{name: "exit", group: ExecChild, trigger: TriggerExecChild, why: "threads of the child exit"},
	{name: "sched_getaffinity", group: ExecChild, trigger: TriggerExecChild, why: "the Go runtime counts CPUs"},
	{name: "sched_yield", group: ExecChild, trigger: TriggerExecChild, why: "the Go runtime's scheduler"},
	{name: "nanosleep", group: ExecChild, trigger: TriggerExecChild, why: "the Go runtime's scheduler"},
	{name: "clock_nanosleep", group: ExecChild, trigger: TriggerExecChild, why: "libc's sleep"},
	{name: "clock_gettime", group: ExecChild, trigger: TriggerExecChild, why: "the vDSO's fallback"},
	{name: "gettid", group: ExecChild, trigger: TriggerExecChild, why: "the Go runtime's thread set-up"},
	{name: "tgkill", group: ExecChild, trigger: TriggerExecChild, why: "the Go runtime's preemption"},
	{name: "epoll_create1", group: ExecChild, trigger: TriggerExecChild, why: "a Go child's poller"},
	{name: "epoll_ctl", group: ExecChild, trigger: TriggerExecChild, why: "a Go child's poller"},
	{name: "epoll_pwait", group: ExecChild, trigger: TriggerExecChild, why: "a Go child's poller"},
	{name: "eventfd2", group: ExecChild, trigger: TriggerExecChild, why: "a Go child's poller"},
	{name: "prctl", group: ExecChild, trigger: TriggerExecChild, why: "the Go runtime names its mappings"},
	{name: "restart_syscall", group: ExecChild, trigger: TriggerExecChild, why: "interrupted sleeps"},
	{name: "clone3", group: ExecChild, trigger: TriggerExecChild, errno: enosys,
		why: "glibc's pthread_create and posix_spawn in a child try clone3 first; answered ENOSYS, they fall back to clone"},
}
