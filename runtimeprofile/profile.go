package runtimeprofile

import (
	"fmt"
	"sort"
	"strings"
)

// Profile is the set of syscalls the Go runtime of one toolchain can issue on
// one GOOS/GOARCH after main.main starts, split into groups the analyzer can
// switch on or off.
type Profile struct {
	// GoVersion is the toolchain's version, the first line of GOROOT/VERSION,
	// e.g. "go1.26.8".
	GoVersion string
	// GOOS and GOARCH are the target the profile is for.
	GOOS, GOARCH string
	// Syscalls holds one entry per syscall and group, sorted by group and
	// then name. A syscall can appear in more than one group.
	Syscalls []Syscall
	// PreMain lists the syscalls the runtime's source issues only before
	// main.main (for example during schedinit), with the proof in each
	// site's PreMainWhy. They are not part of any group.
	PreMain []Syscall
	// Unresolved lists runtime call sites whose syscall number is not a
	// constant (the number comes from the program, e.g. through
	// syscall.AllThreadsSyscall); the program analysis sees those numbers
	// at the program's own call site.
	Unresolved []Site
	// Notes records facts worth reporting that do not change the profile,
	// e.g. a #define whose name differs from the kernel's name for its
	// number.
	Notes []string
}

// Syscall is one syscall of a Profile.
type Syscall struct {
	// Name is the kernel's name for the syscall on the profile's GOARCH,
	// as in internal/systable (e.g. "epoll_pwait").
	Name string
	// Nr is the number the kernel sees in seccomp_data.nr.
	Nr uint32
	// Trigger is what makes the runtime issue the syscall; when several
	// sites issue it, the trigger of the most general one.
	Trigger Trigger
	// Group is the condition under which the syscall is needed.
	Group Group
	// Source is where the fact comes from: "file:line" relative to
	// GOROOT/src for a fact read from the runtime's source, or
	// "table: reason" for one that cannot be read from it.
	Source string
	// Errno, when non-zero, means the filter must answer the syscall with
	// this errno instead of allowing it (e.g. clone3 answered ENOSYS so
	// that libc falls back to clone, whose flags a filter can inspect).
	// Syscalls the Go runtime itself issues are never answered with an
	// errno: measured, that turns into fatal errors or a silent drop of
	// GOMAXPROCS to 1.
	Errno uint16
	// Sites lists every place the syscall was found, most general trigger
	// first.
	Sites []Site
}

// Site is one place in the runtime's source (or one table entry) that
// issues a syscall.
type Site struct {
	// Func is the function that issues the syscall, qualified by its
	// package path ("runtime.futex", "internal/runtime/cgroup.readCPULimit"),
	// or "table" for a fact that is not read from the source.
	Func string
	// Pos is "file:line" relative to GOROOT/src, or "table: reason".
	Pos string
	// Trigger is what makes the runtime reach this site.
	Trigger Trigger
	// PreMainWhy is non-empty when the site can only run before main.main,
	// and says why (the chain of callers, all of which are start-up only).
	PreMainWhy string
}

// Trigger is what makes the runtime issue a syscall.
type Trigger uint8

// The triggers. TriggerUnknown marks a site in a runtime function that the
// trigger table does not know yet (a new function in a new Go release); it
// is still included in the profile, in the Base group.
const (
	TriggerUnknown     Trigger = iota // not in the trigger table: see Site.Func
	TriggerAlways                     // scheduler, locks, sleeps: any program
	TriggerNewThread                  // starting an OS thread (clone, and the new thread's set-up)
	TriggerThreadExit                 // an OS thread exiting (LockOSThread without Unlock, or idle Ms)
	TriggerMemory                     // GC and memory: heap growth, scavenging, FreeOSMemory
	TriggerNetpoll                    // the network poller (epoll, its wake-up eventfd)
	TriggerNetpollInit                // creating the network poller, once per process (selfsandbox.Lock does it before the filter)
	TriggerSignals                    // signals and async preemption, os/signal
	TriggerTimers                     // timers, sleeps and clocks (vDSO fallbacks)
	TriggerProfiling                  // CPU profiling (setitimer, POSIX per-thread timers)
	TriggerMaxProcs                   // the GOMAXPROCS updater (CPU affinity, cgroup limits)
	TriggerCrash                      // crash and exit: fatal errors, tracebacks, os.Exit
	TriggerRandom                     // random numbers (the vDSO getrandom path)
	TriggerLinkname                   // a runtime function other packages call through //go:linkname
	TriggerCgo                        // cgo: libc and pthread
	TriggerForkExec                   // os/exec and syscall.ForkExec in the parent
	TriggerExecChild                  // a child program's start-up after execve, under the inherited filter
	TriggerStartup                    // runtime start-up only (before main.main)
	numTriggers
)

var triggerNames = [numTriggers]string{
	TriggerUnknown:     "unknown",
	TriggerAlways:      "always",
	TriggerNewThread:   "new thread",
	TriggerThreadExit:  "thread exit",
	TriggerMemory:      "GC/memory",
	TriggerNetpoll:     "netpoll",
	TriggerNetpollInit: "netpoll init",
	TriggerSignals:     "signals and preemption",
	TriggerTimers:      "timers",
	TriggerProfiling:   "profiling",
	TriggerMaxProcs:    "GOMAXPROCS updater",
	TriggerCrash:       "crash/exit",
	TriggerRandom:      "random",
	TriggerLinkname:    "linkname",
	TriggerCgo:         "cgo",
	TriggerForkExec:    "fork/exec",
	TriggerExecChild:   "exec child",
	TriggerStartup:     "start-up",
}

// String returns the trigger's name, e.g. "new thread".
func (t Trigger) String() string {
	if t < numTriggers {
		return triggerNames[t]
	}
	return fmt.Sprintf("Trigger(%d)", uint8(t))
}

// Group is a condition under which syscalls are needed. Base is always
// allowed; the analyzer switches the others on from what the program uses.
type Group uint8

// The groups.
const (
	// Base is what every Go program's runtime may issue after main.
	Base Group = iota
	// CPUProfile is the CPU profiler's timers: needed only when
	// runtime/pprof's StartCPUProfile or runtime.SetCPUProfileRate is
	// reachable.
	CPUProfile
	// Cgo is libc's and pthread's set in a cgo program (thread creation
	// through pthread_create, malloc). clone3 is answered ENOSYS.
	Cgo
	// ForkExec is what the parent needs to start a child through
	// syscall.ForkExec (os/exec, os.StartProcess) beyond what the program
	// analysis sees in the syscall package.
	ForkExec
	// ExecChild is what a child program needs to start after execve: the
	// filter survives execve, so the dynamic loader's, libc's and another
	// Go runtime's start-up must be allowed. Off unless asked for.
	ExecChild
	numGroups
)

var groupNames = [numGroups]string{"base", "cpuprofile", "cgo", "forkexec", "exec"}

// String returns the group's name as the CLI spells it, e.g. "cpuprofile".
func (g Group) String() string {
	if g < numGroups {
		return groupNames[g]
	}
	return fmt.Sprintf("Group(%d)", uint8(g))
}

// Groups returns every group, Base first.
func Groups() []Group {
	gs := make([]Group, numGroups)
	for i := range gs {
		gs[i] = Group(i)
	}
	return gs
}

// ParseGroup returns the group named s (as Group.String spells it).
func ParseGroup(s string) (Group, error) {
	for i, n := range groupNames {
		if strings.EqualFold(s, n) {
			return Group(i), nil
		}
	}
	return 0, fmt.Errorf("runtimeprofile: unknown group %q; known groups: %s", s, strings.Join(groupNames[:], ", "))
}

// Select returns the entries of Base and the named groups, in profile
// order.
func (p *Profile) Select(groups ...Group) []Syscall {
	want := map[Group]bool{Base: true}
	for _, g := range groups {
		want[g] = true
	}
	var out []Syscall
	for _, s := range p.Syscalls {
		if want[s.Group] {
			out = append(out, s)
		}
	}
	return out
}

// Names returns the names of the syscalls to allow for Base plus the named
// groups, sorted and deduplicated. Syscalls to answer with an errno (see
// Errnos) are not included, unless another selected entry allows them.
func (p *Profile) Names(groups ...Group) []string {
	allowed := map[string]bool{}
	for _, s := range p.Select(groups...) {
		if s.Errno == 0 {
			allowed[s.Name] = true
		}
	}
	return sortedKeys(allowed)
}

// Errnos returns, for Base plus the named groups, the syscalls the filter
// must answer with an errno instead of allowing them (name to errno).
// A syscall that another selected entry allows is left out.
func (p *Profile) Errnos(groups ...Group) map[string]uint16 {
	sel := p.Select(groups...)
	allowed := map[string]bool{}
	for _, s := range sel {
		if s.Errno == 0 {
			allowed[s.Name] = true
		}
	}
	out := map[string]uint16{}
	for _, s := range sel {
		if s.Errno != 0 && !allowed[s.Name] {
			out[s.Name] = s.Errno
		}
	}
	return out
}

// Lookup returns the entry for name in group g.
func (p *Profile) Lookup(name string, g Group) (Syscall, bool) {
	for _, s := range p.Syscalls {
		if s.Name == name && s.Group == g {
			return s, true
		}
	}
	return Syscall{}, false
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
