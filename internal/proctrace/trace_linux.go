package proctrace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"github.com/sandboxgen/sandboxgen/internal/systable"
	"golang.org/x/sys/unix"
)

// Values of struct ptrace_syscall_info's op field.
const (
	syscallInfoEntry = 1
	syscallInfoExit  = 2
)

const (
	seccompSetModeFilter = 1  // SECCOMP_SET_MODE_FILTER
	prSetSeccomp         = 22 // PR_SET_SECCOMP
	seccompModeFilter    = 2  // SECCOMP_MODE_FILTER
)

// proc is one process (thread group).
type proc struct {
	exe      string
	prog     bool // still the traced command's own executable
	filtered bool // under a seccomp filter (installed or inherited)
}

// task is one thread.
type task struct {
	p             *proc
	tgid          int
	started       bool   // its initial SIGSTOP has been seen
	pendingFilter bool   // in a syscall that installs a filter
	pending       *Count // the count of the syscall it is in
}

type tracer struct {
	root    int
	tasks   map[int]*task
	procs   map[int]*proc // by tgid
	counts  counter
	res     Result
	filters map[uint32][2]uint32 // audit arch → numbers of seccomp and prctl
}

// Run starts cmd under ptrace, waits for its whole process tree to end and
// returns what it counted. An error means the trace could not be made
// (ptrace not permitted, the command not found); how the command itself
// ended is in Result.
func Run(cmd Command) (*Result, error) {
	type answer struct {
		res *Result
		err error
	}
	done := make(chan answer, 1)
	go func() {
		// Every ptrace request must come from the thread that is the
		// tracer; this goroutine keeps it, and ends it afterwards (the
		// thread is the tracer of nothing then, but it is cleaner not to
		// hand it back).
		runtime.LockOSThread()
		res, err := run(cmd)
		done <- answer{res, err}
	}()
	a := <-done
	return a.res, a.err
}

func run(c Command) (*Result, error) {
	path := c.Path
	if !strings.Contains(path, "/") {
		p, err := exec.LookPath(path)
		if err != nil {
			return nil, err
		}
		path = p
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	defer devnull.Close()
	files := []*os.File{c.Stdin, c.Stdout, c.Stderr}
	for i := range files {
		if files[i] == nil {
			files[i] = devnull
		}
	}
	env := c.Env
	if env == nil {
		env = os.Environ()
	}
	proc0, err := os.StartProcess(path, c.Args, &os.ProcAttr{
		Dir: c.Dir, Env: env, Files: files,
		Sys: &syscall.SysProcAttr{Ptrace: true},
	})
	if err != nil {
		return nil, err
	}
	pid := proc0.Pid
	proc0.Release()
	var ws unix.WaitStatus
	if _, err := wait4(pid, &ws); err != nil {
		return nil, err
	}
	if !ws.Stopped() || ws.StopSignal() != unix.SIGTRAP {
		return nil, fmt.Errorf("trace %s: the process did not stop after execve (status %#x)", path, uint32(ws))
	}
	opts := unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK |
		unix.PTRACE_O_TRACECLONE | unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_EXITKILL
	if err := unix.PtraceSetOptions(pid, opts); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return nil, fmt.Errorf("ptrace(SETOPTIONS): %w", err)
	}
	t := &tracer{
		root:    pid,
		tasks:   map[int]*task{},
		procs:   map[int]*proc{},
		counts:  counter{},
		filters: filterNumbers(),
	}
	p := &proc{exe: readExe(pid), prog: true}
	t.procs[pid] = p
	t.tasks[pid] = &task{p: p, tgid: pid, started: true}
	if err := unix.PtraceSyscall(pid, 0); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return nil, fmt.Errorf("ptrace(SYSCALL): %w", err)
	}
	if c.Started != nil {
		c.Started(pid)
	}
	if err := t.loop(); err != nil {
		return nil, err
	}
	t.res.Counts = t.counts.sorted()
	return &t.res, nil
}

// wait4 waits for a tracee. __WNOTHREAD limits it to the tracer thread's
// own children and tracees, so it never reaps a process another goroutine
// of this program started (exec.Cmd.Wait would then fail).
func wait4(pid int, ws *unix.WaitStatus) (int, error) {
	for {
		wpid, err := unix.Wait4(pid, ws, unix.WALL|unix.WNOTHREAD, nil)
		if err == unix.EINTR {
			continue
		}
		return wpid, err
	}
}

// filterNumbers finds seccomp's and prctl's numbers in every table.
func filterNumbers() map[uint32][2]uint32 {
	m := map[uint32][2]uint32{}
	for _, a := range systable.Arches() {
		tb, err := systable.Lookup(a)
		if err != nil {
			continue
		}
		s, ok1 := tb.Number("seccomp")
		p, ok2 := tb.Number("prctl")
		if !ok1 {
			s = ^uint32(0)
		}
		if !ok2 {
			p = ^uint32(0)
		}
		if _, dup := m[tb.AuditArch]; !dup {
			m[tb.AuditArch] = [2]uint32{s, p}
		}
	}
	return m
}

func readExe(pid int) string {
	exe, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	return exe
}

// statusField reads one numeric field of /proc/TID/status.
func statusField(tid int, field string) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// taskOf returns tid's task, creating it for a thread or process the
// tracer meets for the first time (a new child can report its first stop
// before its parent reports the fork event).
func (t *tracer) taskOf(tid int) *task {
	if tk := t.tasks[tid]; tk != nil {
		return tk
	}
	tgid := statusField(tid, "Tgid")
	if tgid < 0 {
		tgid = tid
	}
	p := t.procs[tgid]
	if p == nil {
		// A new process: it runs its parent's executable until it
		// calls execve, and inherits its parent's filter.
		p = &proc{exe: readExe(tgid)}
		if parent := t.procs[statusField(tgid, "PPid")]; parent != nil {
			p.prog, p.filtered = parent.prog, parent.filtered
			if p.exe == "" {
				p.exe = parent.exe
			}
		}
		t.procs[tgid] = p
	}
	tk := &task{p: p, tgid: tgid}
	t.tasks[tid] = tk
	return tk
}

func (t *tracer) loop() error {
	for len(t.tasks) > 0 {
		var ws unix.WaitStatus
		tid, err := wait4(-1, &ws)
		if errors.Is(err, unix.ECHILD) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("wait4: %w", err)
		}
		if ws.Exited() || ws.Signaled() {
			if tk := t.tasks[tid]; tk != nil && tk.tgid == tid {
				delete(t.procs, tid)
			}
			delete(t.tasks, tid)
			if tid == t.root {
				if ws.Exited() {
					t.res.ExitCode = ws.ExitStatus()
				} else {
					t.res.ExitCode, t.res.Signal = -1, int(ws.Signal())
				}
			}
			continue
		}
		if !ws.Stopped() {
			continue
		}
		tk := t.taskOf(tid)
		sig := ws.StopSignal()
		inject := 0
		switch {
		case sig == unix.SIGTRAP|0x80:
			t.syscallStop(tid, tk)
		case sig == unix.SIGTRAP && ws.TrapCause() > 0:
			t.eventStop(tid, tk, ws.TrapCause())
		case sig == unix.SIGSTOP && !tk.started:
			tk.started = true // the stop every new tracee starts with
		case sig == unix.SIGSTOP || sig == unix.SIGTSTP || sig == unix.SIGTTIN || sig == unix.SIGTTOU:
			// Stop signals are suppressed: passing them on would put
			// the group into a stop this simple tracer cannot tell
			// from a signal-delivery stop.
		default:
			inject = int(sig)
		}
		if err := unix.PtraceSyscall(tid, inject); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("ptrace(SYSCALL, %d): %w", tid, err)
		}
	}
	return nil
}

// syscallInfo is the part of struct ptrace_syscall_info the tracer reads.
type syscallInfo struct {
	op      uint8
	arch    uint32
	nr      uint64 // entry
	args    [6]uint64
	rval    int64 // exit
	isError bool
}

func getSyscallInfo(tid int) (syscallInfo, error) {
	var buf [128]byte
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GET_SYSCALL_INFO, uintptr(tid), uintptr(len(buf)), uintptr(unsafe.Pointer(&buf[0])), 0, 0)
	if e != 0 {
		return syscallInfo{}, e
	}
	ne := binary.NativeEndian
	si := syscallInfo{op: buf[0], arch: ne.Uint32(buf[4:])}
	switch si.op {
	case syscallInfoEntry:
		si.nr = ne.Uint64(buf[24:])
		for i := range si.args {
			si.args[i] = ne.Uint64(buf[32+8*i:])
		}
	case syscallInfoExit:
		si.rval = int64(ne.Uint64(buf[24:]))
		si.isError = buf[32] != 0
	}
	return si, nil
}

func (t *tracer) syscallStop(tid int, tk *task) {
	si, err := getSyscallInfo(tid)
	if err != nil {
		return
	}
	p := tk.p
	switch si.op {
	case syscallInfoEntry:
		tk.pending = t.counts.add(p.exe, p.prog, si.arch, uint32(si.nr), p.filtered)
		if !p.filtered {
			tk.pending = nil // ENOSYS is counted under a filter only
		}
		nrs, ok := t.filters[si.arch]
		tk.pendingFilter = ok &&
			((uint32(si.nr) == nrs[0] && si.args[0] == seccompSetModeFilter) ||
				(uint32(si.nr) == nrs[1] && si.args[0] == prSetSeccomp && si.args[1] == seccompModeFilter))
	case syscallInfoExit:
		if tk.pending != nil && si.isError && si.rval == -int64(unix.ENOSYS) {
			tk.pending.ENOSYS++
		}
		tk.pending = nil
		if tk.pendingFilter && !si.isError {
			p.filtered = true
			if tk.tgid == t.root && p.prog {
				t.res.Locked = true
			}
		}
		tk.pendingFilter = false
	}
}

func (t *tracer) eventStop(tid int, tk *task, event int) {
	switch event {
	case unix.PTRACE_EVENT_FORK, unix.PTRACE_EVENT_VFORK, unix.PTRACE_EVENT_CLONE:
		if msg, err := unix.PtraceGetEventMsg(tid); err == nil {
			t.taskOf(int(msg))
		}
	case unix.PTRACE_EVENT_EXEC:
		// A thread other than the leader that calls execve takes the
		// leader's id; the message is its former id.
		if msg, err := unix.PtraceGetEventMsg(tid); err == nil && int(msg) != tid {
			if old := t.tasks[int(msg)]; old != nil {
				delete(t.tasks, int(msg))
				old.tgid = tid
				t.tasks[tid] = old
				tk = old
			}
		}
		tk.p.exe = readExe(tid)
		tk.p.prog = false
	}
}

// SignalName names a signal as the kernel does, e.g. "SIGTERM".
func SignalName(sig int) string {
	if name := unix.SignalName(syscall.Signal(sig)); name != "" {
		return name
	}
	return "signal " + strconv.Itoa(sig)
}
