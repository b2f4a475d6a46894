package runtimeprofile

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sandboxgen/sandboxgen/internal/childtest"
	"github.com/sandboxgen/sandboxgen/internal/systable"
)

var long = flag.Bool("long", false, "run the stress program under its filter for minutes instead of 20 s")

// stressOwn is what testdata/stress's own code asks the kernel for, as a
// program analysis would find it (listed by hand here, and cross-checked
// against strace by TestStressStrace). Everything else it needs must come
// from the runtime profile.
var stressOwn = []string{
	// net on loopback: listener, dialer, socket options, addresses.
	"socket", "bind", "listen", "accept4", "connect", "getsockname", "getpeername", "setsockopt", "getsockopt",
	"read", "write", "close",
	// net reads /proc/sys/net/core/somaxconn and checks the kernel
	// version; pprof reads /proc/self/maps and the executable for the
	// profile's mappings.
	"openat", "fstat", "newfstatat", "uname", "fcntl",
	// os/signal test traffic: syscall.Kill(getpid, SIGUSR1).
	"kill",
	// crypto/rand.Read: the vDSO getrandom path, or the syscall.
	"getrandom",
	// lockDown: NO_NEW_PRIVS and the filter itself (made before the
	// filter is in place, listed for the strace comparison).
	"prctl", "seccomp",
}

// buildStress builds testdata/stress. Without cgo threads come from the
// runtime's clone; with cgo from glibc's pthread_create (the Cgo group).
func buildStress(t *testing.T, cgo ...bool) string {
	t.Helper()
	return buildStressWith(t, "go", cgo...)
}

// buildStressWith builds testdata/stress with the go command goCmd.
func buildStressWith(t *testing.T, goCmd string, cgo ...bool) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "stress")
	cmd := exec.Command(goCmd, "build", "-o", bin, "./testdata/stress")
	cgoEnabled := "CGO_ENABLED=0"
	if len(cgo) > 0 && cgo[0] {
		cgoEnabled = "CGO_ENABLED=1"
	}
	cmd.Env = append(os.Environ(), cgoEnabled, "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the stress program: %v\n%s", err, out)
	}
	return bin
}

// stressAllow returns the syscall numbers the stress program's filter
// allows: the runtime profile's Base and CPUProfile groups plus stressOwn,
// minus drop.
func stressAllow(t *testing.T, p *Profile, drop ...string) string {
	t.Helper()
	return filterEnv(t, p, []Group{CPUProfile}, nil, drop)
}

// filterEnv returns the stress program's STRESS_FILTER value for Base,
// groups, stressOwn and extra, minus drop.
func filterEnv(t *testing.T, p *Profile, groups []Group, extra, drop []string) string {
	t.Helper()
	table, err := systable.Lookup(runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	var nrs []string
	for _, n := range union(union(p.Names(groups...), stressOwn), extra) {
		if slices.Contains(drop, n) {
			continue
		}
		if nr, ok := table.Number(n); ok {
			nrs = append(nrs, strconv.Itoa(int(nr)))
		}
	}
	return strings.Join(nrs, ",")
}

func union(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

func requireLinux(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skipf("the stress program runs on linux/amd64 and linux/arm64, not %s/%s", runtime.GOOS, runtime.GOARCH)
	}
}

// runStress runs bin with env added. One that has not ended after timeout
// is stopped with SIGQUIT: GOTRACEBACK=system (unless env sets its own)
// makes the dump include the runtime's frames, so a hang shows where the
// runtime was.
func runStress(t *testing.T, bin string, timeout time.Duration, env ...string) childtest.Result {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(append(os.Environ(), "GOTRACEBACK=system"), env...)
	r := childtest.RunCommandTimeout(t, cmd, timeout)
	if strings.Contains(r.Stderr, "installing filter") && seccompMissing.MatchString(r.Stderr) {
		t.Skipf("this kernel has no seccomp filters: %s", r.Stderr)
	}
	return r
}

// seccompMissing matches the errors of a kernel built without seccomp
// filters; any other failure to install the filter fails the test.
var seccompMissing = regexp.MustCompile(`(?i)invalid argument|function not implemented|seccomp filters are not available`)

var stressCounts = regexp.MustCompile(`(\w+)=(\d+)`)

// TestStressUnderFilter runs the stress program under a KILL_PROCESS filter
// of the runtime profile plus the program's own syscalls, and requires it
// to finish cleanly with every activity having run. With -long it runs for
// minutes.
func TestStressUnderFilter(t *testing.T) {
	requireLinux(t)
	p := profileFor(t, runtime.GOARCH)
	bin := buildStress(t)
	d := 20 * time.Second
	if *long {
		d = 5 * time.Minute
	}
	r := runStress(t, bin, d+time.Minute, "STRESS_FILTER="+stressAllow(t, p), "STRESS_DURATION="+d.String())
	if r.ExitCode != 0 || !strings.Contains(r.Stderr, "STRESS-LOCKED") {
		t.Fatalf("stress program under the profile's filter: %v", r)
	}
	line := strings.TrimSpace(r.Stdout)
	if !strings.HasPrefix(line, "OK ") {
		t.Fatalf("no summary line: %v", r)
	}
	for _, m := range stressCounts.FindAllStringSubmatch(line, -1) {
		if m[2] == "0" {
			t.Errorf("activity %s never ran: %s", m[1], line)
		}
	}
	t.Log(line)
}

// TestStressEndings checks the crash paths under the filter: an unrecovered
// panic must end in the runtime's exit code 2 with its traceback, and with
// GOTRACEBACK=crash in SIGABRT, never in SIGSYS. Short runs with GODEBUG
// settings that change the runtime's paths (tracing to stderr, no async
// preemption, MADV_DONTNEED) must finish cleanly. A filter missing one of
// the program's own syscalls must kill it with SIGSYS, which shows that the
// filter is enforced and the clean runs mean something.
func TestStressEndings(t *testing.T) {
	requireLinux(t)
	p := profileFor(t, runtime.GOARCH)
	bin := buildStress(t)
	for _, tc := range []struct {
		name     string
		env      []string
		drop     []string
		exitCode int
		signal   syscall.Signal
		stderr   string
	}{
		{"panic", []string{"STRESS_MODE=panic"}, nil, 2, 0, "deliberate unrecovered panic"},
		{"crash", []string{"STRESS_MODE=crash", "GOTRACEBACK=crash"}, nil, -1, syscall.SIGABRT, "deliberate unrecovered panic"},
		// Runtime settings that change which paths the runtime takes.
		{"gctrace-schedtrace", []string{"STRESS_DURATION=2s", "GODEBUG=gctrace=1,schedtrace=200,scavtrace=1"}, nil, 0, 0, "gc 1 @"},
		{"no-async-preemption", []string{"STRESS_DURATION=2s", "GODEBUG=asyncpreemptoff=1"}, nil, 0, 0, "STRESS-LOCKED"},
		{"madvdontneed-no-decoration", []string{"STRESS_DURATION=2s", "GODEBUG=madvdontneed=1,decoratemappings=0,updatemaxprocs=0", "GOMAXPROCS=3"}, nil, 0, 0, "STRESS-LOCKED"},
		{"missing-socket", []string{"STRESS_DURATION=2s"}, []string{"socket"}, -1, syscall.SIGSYS, "STRESS-LOCKED"},
		{"missing-epoll", []string{"STRESS_DURATION=2s"}, []string{"epoll_pwait"}, -1, syscall.SIGSYS, "STRESS-LOCKED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := append([]string{"STRESS_FILTER=" + stressAllow(t, p, tc.drop...)}, tc.env...)
			r := runStress(t, bin, time.Minute, env...)
			if r.ExitCode != tc.exitCode || r.Signal != tc.signal || !strings.Contains(r.Stderr, tc.stderr) {
				t.Fatalf("want exit code %d, signal %v, stderr containing %q; %v", tc.exitCode, tc.signal, tc.stderr, r)
			}
		})
	}
}

// straceAfterMain runs bin under strace -f and returns the syscalls made
// after the program wrote its STRESS-MAIN marker, and those before.
func straceAfterMain(t *testing.T, bin string, env ...string) (before, after map[string]int) {
	t.Helper()
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed (CI installs it)")
	}
	out := filepath.Join(t.TempDir(), "strace.out")
	cmd := exec.Command(strace, "-f", "-qq", "-o", out, bin)
	cmd.Env = append(os.Environ(), env...)
	r := childtest.RunCommand(t, cmd)
	if r.ExitCode != 0 && strings.Contains(r.Stderr, "ptrace") && strings.Contains(r.Stderr, "Operation not permitted") {
		t.Skipf("strace cannot trace here (ptrace is not permitted): %s", r.Stderr)
	}
	if r.ExitCode != 0 {
		t.Fatalf("stress under strace: %v", r)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	before, after = map[string]int{}, map[string]int{}
	cur := before
	call := regexp.MustCompile(`^\d+\s+(?:<\.\.\. (\w+) resumed>|(\w+)\()`)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<22)
	marked := false
	for sc.Scan() {
		line := sc.Text()
		m := call.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name := m[1] + m[2]
		if !marked && strings.Contains(line, "STRESS-MAIN") {
			marked, cur = true, after
		}
		if m[1] == "" { // count calls once, at their start
			cur[name]++
		}
	}
	if !marked {
		t.Fatalf("no STRESS-MAIN marker in the strace output %s", out)
	}
	return before, after
}

// TestStressStrace runs the stress program under strace and checks that
// every syscall it makes after main is in the profile or its own list.
func TestStressStrace(t *testing.T) {
	requireLinux(t)
	p := profileFor(t, runtime.GOARCH)
	bin := buildStress(t)
	_, after := straceAfterMain(t, bin, "STRESS_DURATION=5s")
	allowed := union(p.Names(CPUProfile), stressOwn)
	var missing []string
	for name, n := range after {
		if !slices.Contains(allowed, name) {
			missing = append(missing, fmt.Sprintf("%s (%d calls)", name, n))
		}
	}
	if len(missing) > 0 {
		t.Errorf("syscalls made after main that neither the runtime profile nor the program's own list has: %v", missing)
	}
	// The runtime set must be what the runtime really uses: every
	// always-needed syscall the stress program exercises shows up.
	for _, name := range []string{"futex", "clone", "exit", "madvise", "mmap", "tgkill", "getpid", "rt_sigreturn", "epoll_pwait", "sigaltstack", "setitimer", "timer_create"} {
		if after[name] == 0 {
			t.Errorf("strace saw no %s after main; the stress program no longer exercises it", name)
		}
	}
	for _, name := range stressOwn {
		if after[name] == 0 {
			t.Logf("own syscall %s not seen in this run (it may belong to another architecture or path)", name)
		}
	}
}

// TestPreMainOnly checks the proof of the syscalls left out as start-up
// only: in an idle Go program, strace sees them before main's marker and
// never after.
func TestPreMainOnly(t *testing.T) {
	requireLinux(t)
	p := profileFor(t, runtime.GOARCH)
	bin := buildStress(t)
	before, after := straceAfterMain(t, bin, "STRESS_MODE=idle")
	base := p.Names()
	var preNames []string
	seenBefore := 0
	for _, s := range p.PreMain {
		if slices.Contains(base, s.Name) {
			continue // also issued after main from another site
		}
		if after[s.Name] > 0 {
			t.Errorf("%s is listed as start-up only (%s) but strace saw it after main", s.Name, s.Sites[0].PreMainWhy)
		}
		preNames = append(preNames, s.Name)
		if before[s.Name] > 0 {
			seenBefore++
		}
	}
	if seenBefore == 0 {
		t.Errorf("strace saw none of the start-up-only syscalls %v before main; is the marker in the right place?", preNames)
	}
	for name := range after {
		if !slices.Contains(p.Names(), name) && !slices.Contains(stressOwn, name) {
			t.Errorf("idle program made %s after main, which Base lacks", name)
		}
	}
}

// errnoEnv returns the stress program's STRESS_ERRNO value for groups.
func errnoEnv(t *testing.T, p *Profile, groups []Group) string {
	t.Helper()
	table, _ := systable.Lookup(runtime.GOARCH)
	var rules []string
	for name, e := range p.Errnos(groups...) {
		if nr, ok := table.Number(name); ok {
			rules = append(rules, fmt.Sprintf("%d=%d", nr, e))
		}
	}
	return strings.Join(rules, ",")
}

// TestGroupsUnderFilter runs the stress program where the conditional
// groups matter, under a filter that has them: built with cgo (threads from
// pthread_create, clone3 answered ENOSYS), and starting child programs
// (ForkExec and ExecChild). Without the group, the same run must die.
func TestGroupsUnderFilter(t *testing.T) {
	requireLinux(t)
	p := profileFor(t, runtime.GOARCH)
	for _, tc := range []struct {
		name   string
		cgo    bool
		groups []Group
		extra  []string // the program's own syscalls on this path
		env    []string
		ok     bool
	}{
		{"cgo", true, []Group{CPUProfile, Cgo}, nil, []string{"STRESS_DURATION=3s"}, true},
		{"cgo-without-group", true, []Group{CPUProfile}, nil, []string{"STRESS_DURATION=2s"}, false},
		// os.Executable reads /proc/self/exe.
		{"exec", false, []Group{ForkExec, ExecChild}, []string{"readlinkat"}, []string{"STRESS_MODE=exec", "STRESS_DURATION=3s"}, true},
		{"exec-without-child-group", false, []Group{ForkExec}, []string{"readlinkat"}, []string{"STRESS_MODE=exec", "STRESS_DURATION=1s"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cgo {
				if _, err := exec.LookPath("gcc"); err != nil {
					t.Skip("no C compiler for a cgo build")
				}
			}
			bin := buildStress(t, tc.cgo)
			env := append([]string{
				"STRESS_FILTER=" + filterEnv(t, p, tc.groups, tc.extra, nil),
				"STRESS_ERRNO=" + errnoEnv(t, p, tc.groups),
			}, tc.env...)
			r := runStress(t, bin, time.Minute, env...)
			ok := r.ExitCode == 0 && strings.HasPrefix(r.Stdout, "OK ")
			if ok != tc.ok {
				t.Fatalf("groups %v: clean run %v, want %v: %v", tc.groups, ok, tc.ok, r)
			}
			if ok {
				for _, m := range stressCounts.FindAllStringSubmatch(r.Stdout, -1) {
					if m[2] == "0" {
						t.Errorf("activity %s never ran: %s", m[1], r.Stdout)
					}
				}
			}
		})
	}
}
