package selfsandbox

import (
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sandboxgen/sandboxgen/internal/bpf"
)

// These tests play the kernel through the rawSeccomp and rawSetNoNewPrivs
// seams, so they run in the test process itself: nothing is installed.

// testProgram is a small valid program for runtime.GOARCH: allow getpid
// and uname, deny the rest with KILL_PROCESS.
func testProgram(t *testing.T) Program {
	t.Helper()
	audit, ok := auditArches[runtime.GOARCH]
	if !ok {
		t.Skipf("no AUDIT_ARCH for %s", runtime.GOARCH)
	}
	return Program{
		Arch: runtime.GOARCH, AuditArch: audit, DefaultAction: retKillProcess, GoVersion: runtime.Version(),
		// The fake kernel installs nothing: the program may claim to cover
		// whatever build (cgo, -race) runs these tests.
		Cgo: true, Race: true,
		Instructions: []Instruction{
			{Code: bpfLD | bpfW | bpfABS, K: 4},
			{Code: bpfJMP | bpfJEQ | bpfK, Jf: 4, K: audit},
			{Code: bpfLD | bpfW | bpfABS, K: 0},
			{Code: bpfJMP | bpfJEQ | bpfK, Jt: 2, K: unix.SYS_GETPID},
			{Code: bpfJMP | bpfJEQ | bpfK, Jt: 1, K: unix.SYS_UNAME},
			{Code: bpfRET | bpfK, K: retKillProcess},
			{Code: bpfRET | bpfK, K: retAllow},
		},
		Allowed: []Syscall{{Name: "getpid", Nr: unix.SYS_GETPID}, {Name: "uname", Nr: unix.SYS_UNAME}, {Name: "seccomp", Nr: unix.SYS_SECCOMP}},
	}
}

// fakeKernel records what Lock and Drop asked of seccomp(2) and answers
// with the configured results.
type fakeKernel struct {
	availErrno  unix.Errno // SECCOMP_GET_ACTION_AVAIL's
	filterRet   uintptr    // SECCOMP_SET_MODE_FILTER's return value
	filterErrno unix.Errno
	nnpErr      error

	nnpTID, filterTID int
	flags             []uintptr
	filters           [][]Instruction
	avail             []uint32
}

// use installs k behind the seams with an empty registry and state, and
// puts everything back when t ends.
func (k *fakeKernel) use(t *testing.T, progs ...Program) {
	oldSeccomp, oldNNP, oldInstall, oldEnv := rawSeccomp, rawSetNoNewPrivs, rawInstall, lookupEnv
	rawInstall = nil // install then calls the two seams below
	rawSeccomp = func(op, flags uintptr, arg unsafe.Pointer) (uintptr, unix.Errno) {
		switch op {
		case unix.SECCOMP_GET_ACTION_AVAIL:
			k.avail = append(k.avail, *(*uint32)(arg))
			return 0, k.availErrno
		case unix.SECCOMP_SET_MODE_FILTER:
			k.filterTID = unix.Gettid()
			k.flags = append(k.flags, flags)
			fprog := (*unix.SockFprog)(arg)
			insns := make([]Instruction, fprog.Len)
			for i, f := range unsafe.Slice(fprog.Filter, fprog.Len) {
				insns[i] = Instruction{Code: f.Code, Jt: f.Jt, Jf: f.Jf, K: f.K}
			}
			k.filters = append(k.filters, insns)
			if k.filterErrno != 0 {
				return ^uintptr(0), k.filterErrno
			}
			return k.filterRet, 0
		}
		t.Errorf("unexpected seccomp op %d", op)
		return ^uintptr(0), unix.EINVAL
	}
	rawSetNoNewPrivs = func() error {
		k.nnpTID = unix.Gettid()
		return k.nnpErr
	}
	lookupEnv = func(string) (string, bool) { return "", false }
	resetForTest(progs...)
	t.Cleanup(func() {
		rawSeccomp, rawSetNoNewPrivs, rawInstall, lookupEnv = oldSeccomp, oldNNP, oldInstall, oldEnv
		resetForTest()
	})
}

func resetForTest(progs ...Program) {
	registry.mu.Lock()
	registry.programs, registry.invalid = nil, nil
	registry.mu.Unlock()
	availability.mu.Lock()
	availability.known = false
	availability.mu.Unlock()
	state.mu.Lock()
	state.locked, state.mode, state.deny, state.prog, state.dropped = false, ModeDefault, 0, Program{}, nil
	state.mu.Unlock()
	for _, p := range progs {
		Register(p)
	}
}

// TestKernelFailures: each way the kernel can refuse is an error the caller
// can tell apart, and none leaves Lock thinking it is locked.
func TestKernelFailures(t *testing.T) {
	tests := []struct {
		name   string
		kernel fakeKernel
		is     error  // errors.Is target, or nil
		tsync  int    // want a *TSyncError with this TID
		msg    string // in the message
	}{
		{"no seccomp(2)", fakeKernel{availErrno: unix.ENOSYS}, ErrSeccompUnavailable, 0, "Linux 3.17"},
		{"no GET_ACTION_AVAIL", fakeKernel{availErrno: unix.EINVAL}, ErrSeccompUnavailable, 0, "Linux 4.14"},
		{"action unknown", fakeKernel{availErrno: unix.EOPNOTSUPP}, ErrSeccompUnavailable, 0, "action 0x80000000"},
		{"filter ENOSYS", fakeKernel{filterErrno: unix.ENOSYS}, ErrSeccompUnavailable, 0, "CONFIG_SECCOMP"},
		{"no filter mode or TSYNC", fakeKernel{filterErrno: unix.EINVAL}, ErrSeccompUnavailable, 0, "CONFIG_SECCOMP_FILTER"},
		{"TSYNC failed", fakeKernel{filterRet: 4242}, nil, 4242, "thread 4242"},
		{"too many instructions", fakeKernel{filterErrno: unix.ENOMEM}, unix.ENOMEM, 0, "32768"},
		{"no_new_privs refused", fakeKernel{nnpErr: unix.EPERM}, unix.EPERM, 0, "PR_SET_NO_NEW_PRIVS"},
		{"EFAULT", fakeKernel{filterErrno: unix.EFAULT}, unix.EFAULT, 0, "SECCOMP_SET_MODE_FILTER"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := tc.kernel
			k.use(t, testProgram(t))
			err := Lock()
			if err == nil {
				t.Fatal("Lock succeeded")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Lock: %v, want errors.Is %v", err, tc.is)
			}
			var terr *TSyncError
			if got := errors.As(err, &terr); got != (tc.tsync != 0) || (got && terr.TID != tc.tsync) {
				t.Errorf("Lock: %v (%#v), want a *TSyncError with TID %d: %v", err, terr, tc.tsync, got)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Lock: %q does not mention %q", err, tc.msg)
			}
			if Current().Locked {
				t.Error("Current().Locked after a failed Lock")
			}
		})
	}
}

// TestInstallOneThread: no_new_privs and the filter are set from the same
// OS thread, with TSYNC (and LOG in log mode), and the mode rewrites the
// denying returns.
func TestInstallOneThread(t *testing.T) {
	tests := []struct {
		mode      Mode
		wantFlags uintptr
		wantDeny  uint32
	}{
		{ModeDefault, unix.SECCOMP_FILTER_FLAG_TSYNC, retKillProcess},
		{ModeEnforce, unix.SECCOMP_FILTER_FLAG_TSYNC, retKillProcess},
		{ModeTrap, unix.SECCOMP_FILTER_FLAG_TSYNC, retTrap},
		{ModeErrno, unix.SECCOMP_FILTER_FLAG_TSYNC, retErrno | uint32(unix.EPERM)},
		{ModeLog, unix.SECCOMP_FILTER_FLAG_TSYNC | unix.SECCOMP_FILTER_FLAG_LOG, retLog},
	}
	for _, tc := range tests {
		t.Run(tc.mode.String(), func(t *testing.T) {
			var k fakeKernel
			k.use(t, testProgram(t))
			// Other goroutines keep the scheduler moving threads around.
			stop := make(chan struct{})
			defer close(stop)
			for range 4 {
				go func() {
					for {
						select {
						case <-stop:
							return
						default:
							runtime.Gosched()
						}
					}
				}()
			}
			if err := LockWith(Options{Mode: tc.mode}); err != nil {
				t.Fatalf("LockWith: %v", err)
			}
			if k.nnpTID == 0 || k.nnpTID != k.filterTID {
				t.Errorf("no_new_privs on thread %d, filter on thread %d: want one thread", k.nnpTID, k.filterTID)
			}
			if len(k.flags) != 1 || k.flags[0] != tc.wantFlags {
				t.Errorf("flags %#x, want [%#x]", k.flags, tc.wantFlags)
			}
			// Lock asks about the action it installs, once; Register
			// asks nothing (its init also runs in children under the
			// inherited filter).
			wantAvail := []uint32{tc.wantDeny & retActionFull}
			if !slices.Equal(k.avail, wantAvail) {
				t.Errorf("asked the kernel about actions %#x, want %#x", k.avail, wantAvail)
			}
			got := runFilter(t, k.filters[0], unix.SYS_GETPPID)
			if got != tc.wantDeny {
				t.Errorf("getppid returns %#x, want %#x", got, tc.wantDeny)
			}
			if got := runFilter(t, k.filters[0], unix.SYS_GETPID); got != retAllow {
				t.Errorf("getpid returns %#x, want ALLOW", got)
			}
			st := Current()
			wantMode := tc.mode
			if wantMode == ModeDefault {
				wantMode = ModeEnforce
			}
			if !st.Locked || st.Mode != wantMode || st.DenyAction != tc.wantDeny {
				t.Errorf("Current() = %+v, want locked in %v with %#x", st, wantMode, tc.wantDeny)
			}
		})
	}
}

// runFilter runs insns on syscall nr of this architecture.
func runFilter(t *testing.T, insns []Instruction, nr uint32) uint32 {
	t.Helper()
	prog := make([]bpf.Instruction, len(insns))
	for i, in := range insns {
		prog[i] = bpf.Instruction{Code: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	res, err := bpf.Run(prog, bpf.SeccompData{Nr: nr, Arch: auditArches[runtime.GOARCH]}, false)
	if err != nil {
		t.Fatalf("running the filter: %v", err)
	}
	return res.Ret
}

// TestDropFilter: Drop stacks a filter that denies exactly the dropped
// numbers with the locked mode's action, allows the rest (cacheably) and
// leaves a foreign architecture to the locked program; it needs no
// prctl and no action check.
func TestDropFilter(t *testing.T) {
	var k fakeKernel
	k.use(t, testProgram(t))
	if err := LockWith(Options{Mode: ModeErrno}); err != nil {
		t.Fatal(err)
	}
	k.nnpTID, k.avail = 0, nil
	if err := Drop("uname", "seccomp", "uname"); err != nil {
		t.Fatalf("Drop: %v", err)
	}
	if len(k.filters) != 2 || k.nnpTID != 0 || len(k.avail) != 0 {
		t.Fatalf("Drop made %d filters, prctl on %d, action checks %v: want one filter, nothing else", len(k.filters)-1, k.nnpTID, k.avail)
	}
	drop := k.filters[1]
	deny := retErrno | uint32(unix.EPERM)
	for _, c := range []struct {
		nr   uint32
		want uint32
	}{
		{unix.SYS_UNAME, deny}, {unix.SYS_SECCOMP, deny}, {unix.SYS_GETPID, retAllow}, {unix.SYS_READ, retAllow},
	} {
		if got := runFilter(t, drop, c.nr); got != c.want {
			t.Errorf("drop filter on %d: %#x, want %#x", c.nr, got, c.want)
		}
	}
	prog := make([]bpf.Instruction, len(drop))
	for i, in := range drop {
		prog[i] = bpf.Instruction{Code: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	if !bpf.CacheableAllow(prog, auditArches[runtime.GOARCH], unix.SYS_GETPID) {
		t.Error("the drop filter's allow of getpid is not cacheable by the kernel")
	}
	res, err := bpf.Run(prog, bpf.SeccompData{Nr: unix.SYS_UNAME, Arch: 0x1234}, false)
	if err != nil || res.Ret != retAllow {
		t.Errorf("drop filter on a foreign arch: %#x, %v; want ALLOW (the locked program decides)", res.Ret, err)
	}
	if got := Current().Dropped; strings.Join(got, ",") != "uname,seccomp" {
		t.Errorf("Dropped = %v, want [uname seccomp]", got)
	}
	// Already dropped: nothing to install.
	if err := Drop("uname"); err != nil || len(k.filters) != 2 {
		t.Errorf("Drop of a dropped name: %v, %d filters; want nil and no new filter", err, len(k.filters))
	}
	err = Drop("getpid", "open")
	if !errors.Is(err, ErrNotAllowed) || len(k.filters) != 2 || !strings.Contains(err.Error(), `"open"`) {
		t.Errorf("Drop of a name the program denies: %v, %d filters; want ErrNotAllowed naming it and no filter", err, len(k.filters))
	}
}

// TestUnsupported: off Linux (played here by the unsupported kernel) every
// entry point returns an error matching errors.ErrUnsupported.
func TestUnsupported(t *testing.T) {
	var k fakeKernel
	k.use(t, testProgram(t))
	old := sys
	sys = unsupportedKernel{reason: "seccomp filters need Linux; this is plan9/amd64"}
	defer func() { sys = old }()
	for name, err := range map[string]error{"Lock": Lock(), "LockWith": LockWith(Options{Mode: ModeLog}), "Drop": Drop("uname")} {
		if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "plan9") {
			t.Errorf("%s: %v, want errors.ErrUnsupported with the reason", name, err)
		}
	}
	if len(k.filters) != 0 || k.nnpTID != 0 {
		t.Error("the unsupported kernel reached the seccomp seams")
	}
}

// TestLockNeverKillThread: a program whose denying action is KILL_THREAD is
// refused, and no mode produces it.
func TestLockNeverKillThread(t *testing.T) {
	p := testProgram(t)
	p.DefaultAction = retKillThread
	for i := range p.Instructions {
		if p.Instructions[i].K == retKillProcess {
			p.Instructions[i].K = retKillThread
		}
	}
	var k fakeKernel
	k.use(t, p)
	if err := Lock(); !errors.Is(err, ErrInvalidProgram) || !strings.Contains(err.Error(), "KILL_THREAD") {
		t.Errorf("Lock: %v, want ErrInvalidProgram naming KILL_THREAD", err)
	}
	for m := ModeEnforce; m <= ModeLog; m++ {
		if a, _ := m.Action(); a&retActionFull == retKillThread {
			t.Errorf("mode %v is KILL_THREAD", m)
		}
	}
}

// TestLockConcurrent: Lock is safe from any goroutine; when several race,
// exactly one installs the filter and the others get ErrAlreadyLocked.
func TestLockConcurrent(t *testing.T) {
	var k fakeKernel
	k.use(t, testProgram(t))
	const n = 8
	errs := make(chan error, n)
	start := make(chan struct{})
	for range n {
		go func() {
			<-start
			errs <- LockWith(Options{Mode: ModeErrno})
		}()
	}
	close(start)
	var ok, locked int
	for range n {
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.Is(err, ErrAlreadyLocked):
			locked++
		default:
			t.Errorf("LockWith: %v", err)
		}
	}
	if ok != 1 || locked != n-1 || len(k.filters) != 1 {
		t.Errorf("%d succeeded, %d got ErrAlreadyLocked, %d filters installed; want 1, %d, 1", ok, locked, len(k.filters), n-1)
	}
}

// TestMustLock: MustLock panics with Lock's error, and returns when Lock
// succeeds.
func TestMustLock(t *testing.T) {
	var k fakeKernel
	k.use(t) // nothing registered
	func() {
		defer func() {
			err, _ := recover().(error)
			if !errors.Is(err, ErrNoProgram) {
				t.Errorf("MustLock panicked with %v, want an error wrapping ErrNoProgram", err)
			}
		}()
		MustLock()
	}()
	resetForTest(testProgram(t))
	MustLock()
	if !Current().Locked || len(k.filters) != 1 {
		t.Errorf("after MustLock: locked=%v, %d filters; want locked with one filter", Current().Locked, len(k.filters))
	}
}

// TestInstallRetry: when seccomp ran on another thread than prctl and the
// kernel refused it for want of no_new_privs (EACCES), install tries again,
// a bounded number of times; EACCES on the thread prctl ran on is an error
// at once, and the tries hand the kernel the program and flags unchanged.
func TestInstallRetry(t *testing.T) {
	moved := installResult{tidBefore: 10, tidAfter: 11, ret: ^uintptr(0), errno: unix.EACCES}
	tests := []struct {
		name      string
		results   []installResult
		wantCalls int
		wantErr   error // errors.Is target; nil for success
	}{
		{"moved once", []installResult{moved, {tidBefore: 11, tidAfter: 11}}, 2, nil},
		{"moved twice", []installResult{moved, moved, {tidBefore: 12, tidAfter: 12}}, 3, nil},
		{"moved every time", []installResult{moved, moved, moved, moved}, installTries, unix.EACCES},
		{"EACCES on one thread", []installResult{{tidBefore: 10, tidAfter: 10, ret: ^uintptr(0), errno: unix.EACCES}, {}}, 1, unix.EACCES},
		{"TSYNC failed", []installResult{{tidBefore: 10, tidAfter: 10, ret: 4242}}, 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var k fakeKernel
			k.use(t, testProgram(t))
			var calls int
			var lens []uint16
			rawInstall = func(flags uintptr, fprog unsafe.Pointer) installResult {
				calls++
				if flags != unix.SECCOMP_FILTER_FLAG_TSYNC {
					t.Errorf("flags %#x, want TSYNC", flags)
				}
				lens = append(lens, (*unix.SockFprog)(fprog).Len)
				return tc.results[calls-1]
			}
			err := LockWith(Options{IgnoreEnv: true})
			if calls != tc.wantCalls {
				t.Errorf("%d tries, want %d", calls, tc.wantCalls)
			}
			for _, l := range lens {
				if int(l) != len(testProgram(t).Instructions) {
					t.Errorf("a try handed the kernel %d instructions, want %d", l, len(testProgram(t).Instructions))
				}
			}
			if tc.name == "TSYNC failed" {
				var terr *TSyncError
				if !errors.As(err, &terr) || terr.TID != 4242 {
					t.Errorf("LockWith: %v, want a *TSyncError with TID 4242", err)
				}
				return
			}
			if (err == nil) != (tc.wantErr == nil) || (err != nil && !errors.Is(err, tc.wantErr)) {
				t.Errorf("LockWith: %v, want %v", err, tc.wantErr)
			}
			if Current().Locked != (err == nil) {
				t.Errorf("Current().Locked = %v after LockWith returned %v", Current().Locked, err)
			}
		})
	}
}
