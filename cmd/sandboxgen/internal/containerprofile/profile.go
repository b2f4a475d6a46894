package containerprofile

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/cmd/sandboxgen/internal/needorigin"
	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/systable"
	"github.com/sandboxgen/sandboxgen/runtimeprofile"
)

// The container runtimes whose init-thread work Build knows.
const (
	RuntimeRunc = "runc"
	RuntimeCrun = "crun"
)

// Runtimes lists the values of Options.Runtime, the default first.
func Runtimes() []string { return []string{RuntimeRunc, RuntimeCrun} }

// runtimeInit is what each container runtime does on the container's init
// thread between loading the profile and execve of the program, measured
// here with runc 1.1.5 (a Go program: its init thread still closes
// descriptors, reads /proc/self/fd, writes the exec fifo and waits on
// futexes) and crun 1.8 (libseccomp's seccomp_load, then execve).
var runtimeInit = map[string][]string{
	RuntimeRunc: {"close", "epoll_ctl", "execve", "fstatfs", "futex", "getdents64", "getpid", "openat", "rt_sigreturn", "write"},
	RuntimeCrun: {"execve"},
}

// startupMeasured are the syscalls strace -f showed the Go runtime of a
// static program (the example web server, Go 1.26, linux/amd64) making
// from execve to main.main. Most are in the runtime profile's groups
// already; they are listed because they run in code the profile cannot
// tell is start-up only, and a program's needs may not include them. The
// runtime's start-up code is the same on arm64 but for arch_prctl, which
// arm64 does not have (Build skips names an architecture lacks).
var startupMeasured = []string{
	"arch_prctl", "close", "fcntl", "madvise", "mmap", "openat", "prctl", "read",
	"rt_sigaction", "rt_sigprocmask", "sched_getaffinity", "sigaltstack",
}

// bootstrap is the runtime's entry, which runtimeprofile's PreMainWhy
// names when a start-up function's callers lead back to it.
const bootstrap = "runtime.rt0_go"

// Input is the analysis of one program on one architecture.
type Input struct {
	// Program is the analysis, made without pruning (analyzer.Config's
	// NoPrune), since a container profile also covers the work before
	// selfsandbox.Lock.
	Program *analyzer.Program
	// Policy is the policy the generated file would install, with the
	// command line's overrides; the wide one when the program has a
	// Fallback. Its Default is the profile's default action.
	Policy gen.Policy
	// Runtime is the runtime profile of the program's toolchain, for the
	// pre-main and poller syscalls; nil loads it from Program.GoRoot.
	Runtime *runtimeprofile.Profile
}

// Options says which container runtime runs the program.
type Options struct {
	// Runtime is RuntimeRunc (the default when empty) or RuntimeCrun.
	Runtime string
}

// Entry is one syscall of a Profile.
type Entry struct {
	Name string
	// Rules are the policy's rules for the syscall; one rule without
	// argument conditions for most.
	Rules []gen.Rule
	// Origin says why the syscall is there (needorigin.Of), e.g.
	// "runtime: always", "start-up", "runc init".
	Origin string
	// Arches are the GOARCHes that need the entry, when not all of the
	// profile's do.
	Arches []string
}

// Profile is a container seccomp profile for one program: the union of
// its architectures' allow-lists.
type Profile struct {
	// Name is the program's name (its binary's), for the SPO resource.
	Name string
	// Arches are the GOARCHes the profile covers, in the order given.
	Arches []string
	// Default is the action for every syscall not in Entries, and for a
	// listed one none of whose rules match.
	Default gen.Action
	// Entries are sorted by name.
	Entries []Entry
	// Runtime is the container runtime whose init work is included.
	Runtime string
}

// Build returns the container profile for a program analysed on one or
// more architectures. Every input must be the same program and have the
// same default action; a syscall that the architectures need with
// different argument rules is an error (export one -arch at a time then).
func Build(inputs []Input, opts Options) (*Profile, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("containerprofile: no analysis to build a profile from")
	}
	if opts.Runtime == "" {
		opts.Runtime = RuntimeRunc
	}
	initNames, ok := runtimeInit[opts.Runtime]
	if !ok {
		return nil, fmt.Errorf("containerprofile: unknown container runtime %q; use one of %s", opts.Runtime, strings.Join(Runtimes(), ", "))
	}
	p := &Profile{Name: inputs[0].Program.Name, Default: inputs[0].Policy.Default, Runtime: opts.Runtime}
	byName := map[string]*Entry{}
	need := map[string][]string{} // name -> arches that need it
	for _, in := range inputs {
		prog, pol := in.Program, in.Policy
		if prog.PkgPath != inputs[0].Program.PkgPath {
			return nil, fmt.Errorf("containerprofile: one profile is for one program, got %s and %s; export each separately", inputs[0].Program.PkgPath, prog.PkgPath)
		}
		if pol.Default != p.Default {
			return nil, fmt.Errorf("containerprofile: %s has default %s, %s has %s; use one -mode", inputs[0].Policy.Arch, p.Default, pol.Arch, pol.Default)
		}
		if pol.Arch != prog.GOARCH {
			return nil, fmt.Errorf("containerprofile: the policy is for %s, the analysis for %s", pol.Arch, prog.GOARCH)
		}
		if slices.Contains(p.Arches, prog.GOARCH) {
			return nil, fmt.Errorf("containerprofile: %s given twice", prog.GOARCH)
		}
		table, err := systable.Lookup(prog.GOARCH)
		if err != nil {
			return nil, fmt.Errorf("containerprofile: %v", err)
		}
		if _, err := scmpArch(prog.GOARCH); err != nil {
			return nil, err
		}
		p.Arches = append(p.Arches, prog.GOARCH)
		rt := in.Runtime
		if rt == nil {
			rt, err = runtimeprofile.For(prog.GoRoot, "linux", prog.GOARCH)
			if err != nil {
				return nil, fmt.Errorf("containerprofile: %v", err)
			}
		}
		entries := archEntries(prog, pol, rt, table, initNames, opts.Runtime)
		for _, e := range entries {
			need[e.Name] = append(need[e.Name], prog.GOARCH)
			have, ok := byName[e.Name]
			if !ok {
				e := e
				byName[e.Name] = &e
				continue
			}
			if !sameRules(have.Rules, e.Rules) {
				return nil, fmt.Errorf("containerprofile: %s has different argument rules on %s and %s, which one profile cannot express; export one -arch at a time",
					e.Name, strings.Join(need[e.Name][:len(need[e.Name])-1], ","), prog.GOARCH)
			}
		}
	}
	for name, e := range byName {
		if len(need[name]) < len(p.Arches) {
			e.Arches = need[name]
		}
		p.Entries = append(p.Entries, *e)
	}
	sort.Slice(p.Entries, func(i, j int) bool { return p.Entries[i].Name < p.Entries[j].Name })
	return p, nil
}

// archEntries is the allow-list of one architecture: the policy's
// syscalls, then what runs before main, the poller's creation and the
// container runtime's init, each added only when the policy lacks it.
func archEntries(prog *analyzer.Program, pol gen.Policy, rt *runtimeprofile.Profile, table *systable.Table, initNames []string, runtimeName string) []Entry {
	var out []Entry
	have := map[string]bool{}
	for name, rules := range pol.Syscalls {
		origin := needorigin.Allow
		if n, ok := prog.Need(name); ok {
			origin = needorigin.Of(n)
		}
		out = append(out, Entry{Name: name, Rules: slices.Clone(rules), Origin: origin})
		have[name] = true
	}
	add := func(name, origin string) {
		if have[name] {
			return
		}
		if _, ok := table.Number(name); !ok {
			return // e.g. arch_prctl exists on amd64 only
		}
		have[name] = true
		out = append(out, Entry{Name: name, Rules: []gen.Rule{{Action: gen.Allow}}, Origin: origin})
	}
	for _, s := range rt.PreMain {
		// The pre-main list also holds syscalls of functions nothing
		// calls on this GOOS/GOARCH (Android's log socket: connect,
		// socket): those never run, so only sites whose chain of callers
		// reaches the bootstrap count.
		if slices.ContainsFunc(s.Sites, func(site runtimeprofile.Site) bool {
			return strings.Contains(site.PreMainWhy, bootstrap)
		}) {
			add(s.Name, "runtime: start-up")
		}
	}
	for _, s := range rt.Select() {
		for _, site := range s.Sites {
			if site.Trigger == runtimeprofile.TriggerNetpollInit {
				add(s.Name, "runtime: netpoll init")
				break
			}
		}
	}
	for _, name := range startupMeasured {
		add(name, "runtime: start-up")
	}
	for _, name := range initNames {
		if !have[name] {
			add(name, runtimeName+" init")
			continue
		}
		for i := range out {
			if out[i].Name == name && conditional(out[i].Rules) {
				out[i] = initRule(out[i], runtimeName, prog.GOARCH)
			}
		}
	}
	return out
}

// conditional reports whether some rule has argument conditions.
func conditional(rules []gen.Rule) bool {
	return slices.ContainsFunc(rules, func(r gen.Rule) bool { return len(r.Args) > 0 })
}

// initRule widens e, which the policy allows only for some arguments, so
// the container runtime's init thread can make the call too. runc's init
// opens its exec fifo with O_WRONLY|O_CLOEXEC after loading the profile:
// an openat the read-only rule (-readonly-fs) refuses. It gets a second
// rule for exactly that shape, an open for writing that neither creates,
// truncates nor appends; any other syscall the init makes with arguments
// the policy does not allow is allowed whole.
func initRule(e Entry, runtimeName, goarch string) Entry {
	e.Rules = slices.Clone(e.Rules)
	if e.Name == "openat" {
		e.Rules = append(e.Rules, gen.Rule{
			Args:   []gen.ArgCond{{Index: 2, Op: gen.OpMaskedEqual, Mask: gen.OpenWriteFlags(goarch), Value: oWronly}},
			Action: gen.Allow,
		})
		e.Origin += "; " + runtimeName + " init: O_WRONLY without O_CREAT, O_TRUNC, O_APPEND"
		return e
	}
	e.Rules = []gen.Rule{{Action: gen.Allow}}
	e.Origin += "; " + runtimeName + " init: any arguments"
	return e
}

// oWronly is O_WRONLY on every Linux architecture.
const oWronly = 0x1

func sameRules(a, b []gen.Rule) bool {
	return slices.EqualFunc(a, b, func(x, y gen.Rule) bool {
		return x.Action == y.Action && slices.Equal(x.Args, y.Args)
	})
}

// Names returns the names of the profile's entries, sorted.
func (p *Profile) Names() []string {
	names := make([]string, len(p.Entries))
	for i, e := range p.Entries {
		names[i] = e.Name
	}
	return names
}

// Without returns a copy of p without the named syscall (for a test that
// shows the profile is tight).
func (p *Profile) Without(name string) *Profile {
	q := *p
	q.Entries = slices.DeleteFunc(slices.Clone(p.Entries), func(e Entry) bool { return e.Name == name })
	return &q
}
