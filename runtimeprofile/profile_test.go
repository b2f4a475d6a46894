package runtimeprofile

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// goroot returns the GOROOT of the go command on PATH, which builds the
// test itself.
func goroot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func profileFor(t *testing.T, goarch string) *Profile {
	t.Helper()
	p, err := For(goroot(t), "linux", goarch)
	if err != nil {
		t.Fatalf("For(linux/%s): %v", goarch, err)
	}
	return p
}

func TestProfileHasTheRuntimeCore(t *testing.T) {
	for _, tc := range []struct {
		arch string
		want []string // must be in Base
		not  []string // must not be in Base (start-up only, or another group)
	}{
		{"amd64",
			[]string{"futex", "mmap", "munmap", "madvise", "clone", "exit", "exit_group", "sched_yield", "nanosleep",
				"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "gettid", "getpid", "tgkill",
				"epoll_create1", "epoll_ctl", "epoll_pwait", "eventfd2", "sched_getaffinity", "pread64", "prctl",
				"restart_syscall", "getrandom", "clock_gettime"},
			[]string{"arch_prctl", "brk", "setitimer", "timer_create", "clone3", "socket", "connect"}},
		{"arm64",
			[]string{"futex", "mmap", "clone", "exit_group", "epoll_pwait", "rt_sigreturn", "restart_syscall", "sched_getaffinity"},
			[]string{"brk", "setitimer", "open", "epoll_wait"}},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			p := profileFor(t, tc.arch)
			base := p.Names()
			for _, n := range tc.want {
				if !slices.Contains(base, n) {
					t.Errorf("%s missing from Base %v", n, base)
				}
			}
			// arch_prctl is start-up only with cgo too (the stress
			// test's cgo run, under the Cgo group, checks it).
			if slices.Contains(p.Names(Cgo), "arch_prctl") {
				t.Errorf("arch_prctl is in the Cgo group, want it start-up only")
			}
			for _, n := range tc.not {
				if slices.Contains(base, n) {
					t.Errorf("%s is in Base, want it left out", n)
				}
			}
		})
	}
}

// TestTriggers checks the trigger of syscalls whose sites disagree: the
// entry takes the most specific one.
func TestTriggers(t *testing.T) {
	p := profileFor(t, "amd64")
	for name, want := range map[string]Trigger{
		"futex": TriggerAlways, "exit": TriggerThreadExit, "gettid": TriggerNewThread, "clone": TriggerNewThread,
		"madvise": TriggerMemory, "epoll_pwait": TriggerNetpoll, "tgkill": TriggerSignals, "rt_sigreturn": TriggerSignals,
		"restart_syscall": TriggerSignals, "pread64": TriggerMaxProcs, "sched_getaffinity": TriggerMaxProcs,
		"exit_group": TriggerCrash, "clock_gettime": TriggerTimers, "getrandom": TriggerRandom, "prctl": TriggerMemory,
	} {
		s, ok := p.Lookup(name, Base)
		if !ok || s.Trigger != want {
			t.Errorf("%s: trigger %v (in Base: %v), want %v", name, s.Trigger, ok, want)
		}
	}
	if s, _ := p.Lookup("setitimer", CPUProfile); s.Trigger != TriggerProfiling {
		t.Errorf("setitimer: trigger %v, want profiling", s.Trigger)
	}
}

func TestEntriesAreConsistent(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		p := profileFor(t, arch)
		table, _ := systable.Lookup(arch)
		if want := strings.TrimSpace(strings.SplitN(readFile(t, goroot(t)+"/VERSION"), "\n", 2)[0]); p.GoVersion != want {
			t.Errorf("%s: GoVersion %q, VERSION says %q", arch, p.GoVersion, want)
		}
		if p.GOOS != "linux" || p.GOARCH != arch {
			t.Errorf("profile for %s/%s, want linux/%s", p.GOOS, p.GOARCH, arch)
		}
		for _, s := range append(slices.Clone(p.Syscalls), p.PreMain...) {
			nr, ok := table.Number(s.Name)
			if !ok || nr != s.Nr {
				t.Errorf("%s: %s has Nr %d, table says %d (%v)", arch, s.Name, s.Nr, nr, ok)
			}
			if s.Source == "" || len(s.Sites) == 0 || s.Source != s.Sites[0].Pos {
				t.Errorf("%s: %s: Source %q does not name its first site %v", arch, s.Name, s.Source, s.Sites)
			}
			for _, site := range s.Sites {
				if !strings.HasPrefix(site.Pos, "table: ") && !strings.Contains(site.Pos, ".go:") && !strings.Contains(site.Pos, ".s:") {
					t.Errorf("%s: %s: site position %q is neither file:line nor a table reason", arch, s.Name, site.Pos)
				}
			}
			if s.Errno != 0 && s.Group == Base {
				t.Errorf("%s: %s is answered errno(%d) in Base: runtime syscalls must be allowed", arch, s.Name, s.Errno)
			}
		}
	}
}

// TestEveryRuntimeSiteHasATrigger fails when a Go release adds a runtime
// function that issues a syscall and the trigger table does not know it.
// It covers every architecture the syscall tables know.
func TestEveryRuntimeSiteHasATrigger(t *testing.T) {
	for _, arch := range systable.Arches() {
		p := profileFor(t, arch)
		for _, s := range append(slices.Clone(p.Syscalls), p.PreMain...) {
			for _, site := range s.Sites {
				if site.Trigger == TriggerUnknown {
					t.Errorf("%s: %s at %s (%s) has no trigger: add %q to siteTriggers in table.go", arch, s.Name, site.Pos, site.Func, site.Func)
				}
			}
		}
		for _, n := range []string{"futex", "clone", "exit_group", "rt_sigreturn", "restart_syscall", "sched_getaffinity", "tgkill", "madvise"} {
			if !slices.Contains(p.Names(), n) {
				t.Errorf("%s: Base lacks %s", arch, n)
			}
		}
	}
}

// TestArm64Naming extracts the arm64 profile on any host and checks that it
// uses arm64's syscalls, which lack the legacy ones amd64 still has.
func TestArm64Naming(t *testing.T) {
	p := profileFor(t, "arm64")
	all := map[string]uint32{}
	for _, s := range append(slices.Clone(p.Syscalls), p.PreMain...) {
		all[s.Name] = s.Nr
	}
	for name, nr := range map[string]uint32{"openat": 56, "epoll_pwait": 22, "pipe2": 59, "futex": 98, "clone": 220} {
		if got, ok := all[name]; !ok || got != nr {
			t.Errorf("arm64 %s: got nr %d (present %v), want %d", name, got, ok, nr)
		}
	}
	for _, name := range []string{"open", "epoll_wait", "pipe", "arch_prctl", "access"} {
		if _, ok := all[name]; ok {
			t.Errorf("arm64 profile has %s, which arm64 does not have", name)
		}
	}
}

func TestGroupsAndErrnos(t *testing.T) {
	p := profileFor(t, "amd64")
	for _, tc := range []struct {
		groups  []Group
		has     []string
		hasNot  []string
		errnoed map[string]uint16
	}{
		{nil, []string{"futex"}, []string{"setitimer", "timer_create", "rseq", "clone3", "wait4"}, map[string]uint16{}},
		{[]Group{CPUProfile}, []string{"futex", "setitimer", "timer_create", "timer_settime", "timer_delete"}, []string{"rseq"}, map[string]uint16{}},
		{[]Group{Cgo}, []string{"rseq", "set_robust_list", "futex"}, []string{"clone3", "setitimer"}, map[string]uint16{"clone3": 38}},
		{[]Group{ForkExec}, []string{"wait4", "execve"}, []string{"clone3"}, map[string]uint16{}},
	} {
		names := p.Names(tc.groups...)
		if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
			t.Errorf("Names(%v) is not sorted and deduplicated: %v", tc.groups, names)
		}
		for _, n := range tc.has {
			if !slices.Contains(names, n) {
				t.Errorf("Names(%v) lacks %s", tc.groups, n)
			}
		}
		for _, n := range tc.hasNot {
			if slices.Contains(names, n) {
				t.Errorf("Names(%v) has %s", tc.groups, n)
			}
		}
		got := p.Errnos(tc.groups...)
		if len(got) != len(tc.errnoed) {
			t.Errorf("Errnos(%v) = %v, want %v", tc.groups, got, tc.errnoed)
		}
		for n, e := range tc.errnoed {
			if got[n] != e {
				t.Errorf("Errnos(%v)[%s] = %d, want %d", tc.groups, n, got[n], e)
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	gr := goroot(t)
	for _, tc := range []struct {
		goroot, goos, goarch string
		want                 string
	}{
		{gr, "darwin", "amd64", "only on linux"},
		{gr, "linux", "vax", "no syscall table"},
		{t.TempDir(), "linux", "amd64", "does not look like a GOROOT"},
	} {
		_, err := For(tc.goroot, tc.goos, tc.goarch)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("For(%q, %q, %q) = %v, want an error containing %q", tc.goroot, tc.goos, tc.goarch, err, tc.want)
		}
	}
}

func TestGroupNames(t *testing.T) {
	for _, g := range Groups() {
		back, err := ParseGroup(g.String())
		if err != nil || back != g {
			t.Errorf("ParseGroup(%q) = %v, %v", g.String(), back, err)
		}
	}
	if _, err := ParseGroup("bogus"); err == nil || !strings.Contains(err.Error(), "cpuprofile") {
		t.Errorf("ParseGroup(bogus) = %v, want an error listing the groups", err)
	}
	for tr := Trigger(0); tr < numTriggers; tr++ {
		if strings.HasPrefix(tr.String(), "Trigger(") {
			t.Errorf("trigger %d has no name", tr)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// BenchmarkFor measures a whole extraction: go list, parsing runtime and its
// dependencies, the call graph and the tables.
func BenchmarkFor(b *testing.B) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Fatal(err)
	}
	root := strings.TrimSpace(string(out))
	for b.Loop() {
		if _, err := For(root, "linux", "amd64"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestInternalRuntimeImporters guards the assumption that exported
// functions of internal/runtime/... packages are called only through the
// runtime: it lists the std packages outside runtime's dependencies that
// import one with syscalls, which must stay the two known ones.
func TestInternalRuntimeImporters(t *testing.T) {
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "std")
	cmd.Dir = t.TempDir()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list std: %v", err)
	}
	deps, err := listRuntime(goroot(t), "linux", "amd64")
	if err != nil {
		t.Fatal(err)
	}
	inRuntime := map[string]bool{}
	for _, p := range deps {
		inRuntime[p.ImportPath] = true
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || inRuntime[fields[0]] {
			continue
		}
		for _, imp := range fields[1:] {
			if imp == "internal/runtime/cgroup" || imp == linuxPkg {
				got = append(got, fields[0]+" -> "+imp)
			}
		}
	}
	want := []string{"internal/cgrouptest -> internal/runtime/cgroup", "syscall -> internal/runtime/syscall/linux"}
	if !slices.Equal(got, want) {
		t.Errorf("std importers of internal/runtime syscall packages = %v, want %v; a new importer can call their exported functions after main (see declare in scan.go)", got, want)
	}
}

// TestUnresolvedSites pins the runtime's Syscall6 calls whose number is not
// a constant: both serve syscall.AllThreadsSyscall, whose number the
// program analysis reads at the program's call. A new one in a new release
// must be looked at.
func TestUnresolvedSites(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		var got []string
		for _, s := range profileFor(t, arch).Unresolved {
			got = append(got, s.Func)
		}
		slices.Sort(got)
		want := []string{"runtime.runPerThreadSyscall", "runtime.syscall_runtime_doAllThreadsSyscall"}
		if !slices.Equal(got, want) {
			t.Errorf("%s: unresolved runtime syscall sites %v, want %v", arch, got, want)
		}
	}
}
