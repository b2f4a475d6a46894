package runtimeprofile

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// For returns the profile of the runtime in goroot (the `go env GOROOT` of
// the toolchain that builds the program) for goos/goarch. Only GOOS=linux
// is supported.
func For(goroot, goos, goarch string) (*Profile, error) {
	if goos != "linux" {
		return nil, fmt.Errorf("runtimeprofile: GOOS=%q is not supported: seccomp filters exist only on linux; build with GOOS=linux", goos)
	}
	table, err := systable.Lookup(goarch)
	if err != nil {
		return nil, fmt.Errorf("runtimeprofile: %v", err)
	}
	version, err := readGoVersion(goroot)
	if err != nil {
		return nil, err
	}
	pkgs, err := listRuntime(goroot, goos, goarch)
	if err != nil {
		return nil, err
	}
	s := newScan(goroot)
	if err := s.load(pkgs); err != nil {
		return nil, err
	}
	b := &builder{
		prof:  &Profile{GoVersion: version, GOOS: goos, GOARCH: goarch, Unresolved: s.dynamic},
		table: table,
		entry: map[entryKey]*Syscall{},
	}
	pre := s.preMain()
	for _, rs := range s.sites {
		name, ok := table.Name(rs.nr)
		if !ok {
			return nil, fmt.Errorf("runtimeprofile: %s uses syscall number %d (%s), which the %s syscall table does not have; regenerate internal/systable", rs.pos, rs.nr, rs.macro, goarch)
		}
		if err := b.checkMacro(rs, name); err != nil {
			return nil, err
		}
		site := Site{Func: rs.fn, Pos: rs.pos}
		tr, grp := triggerOf(rs.fn, name)
		site.Trigger = tr
		if _, ok := pre[rs.fn]; ok {
			site.PreMainWhy = callerChain(pre, rs.fn)
			site.Trigger = TriggerStartup
		} else if tr == TriggerStartup {
			// The table expects start-up only, but the call graph cannot
			// prove it for this release: keep the syscall, and flag it.
			site.Trigger = TriggerUnknown
			b.prof.Notes = append(b.prof.Notes, fmt.Sprintf("%s: %s is listed as start-up only, but %s can run after main (%s); kept", rs.pos, name, rs.fn, s.whyAfterMain(pre, rs.fn)))
		}
		b.add(name, rs.nr, grp, 0, site)
	}
	for _, k := range s.vdso {
		if !s.vdsoUsed(k) {
			b.prof.Notes = append(b.prof.Notes, fmt.Sprintf("%s: the runtime looks up %s but never calls it; left out", k.pos, k.symbol))
			continue
		}
		name := vdsoSyscall(k.symbol)
		nr, ok := table.Number(name)
		if !ok {
			b.prof.Notes = append(b.prof.Notes, fmt.Sprintf("%s: no %s syscall for vDSO function %s on %s", k.pos, name, k.symbol, goarch))
			continue
		}
		tr := TriggerTimers
		if name == "getrandom" {
			tr = TriggerRandom
		}
		b.add(name, nr, Base, 0, Site{Func: "vDSO " + k.symbol, Pos: k.pos, Trigger: tr})
	}
	for _, x := range extraSyscalls {
		if x.arches != nil && !slices.Contains(x.arches, goarch) {
			continue
		}
		nr, ok := table.Number(x.name)
		if !ok {
			continue // e.g. open or arch_prctl on arm64: the arch has no such syscall
		}
		b.add(x.name, nr, x.group, x.errno, Site{Func: "table", Pos: "table: " + x.why, Trigger: x.trigger})
	}
	b.finish()
	return b.prof, nil
}

type entryKey struct {
	name  string
	group Group
}

type builder struct {
	prof  *Profile
	table *systable.Table
	entry map[entryKey]*Syscall
}

// checkMacro cross-checks the name the source gives a number against the
// kernel's name for it. Small spelling differences (the runtime's
// "SYS_setittimer") become notes; a different syscall is an error, since
// it means the table and the source disagree on the architecture.
func (b *builder) checkMacro(rs rawSite, name string) error {
	spelled := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(rs.macro[strings.LastIndex(rs.macro, ".")+1:], "SYS_"), "sys_"))
	if spelled == name || spelled == "?" || aliasOK(spelled, name) {
		return nil
	}
	if systable.EditDistance(spelled, name) <= 2 {
		b.prof.Notes = append(b.prof.Notes, fmt.Sprintf("%s: %s is number %d, which the kernel calls %s", rs.pos, rs.macro, rs.nr, name))
		return nil
	}
	return fmt.Errorf("runtimeprofile: %s: %s is number %d, but the %s syscall table calls %d %q; the runtime source and internal/systable disagree", rs.pos, rs.macro, rs.nr, b.prof.GOARCH, rs.nr, name)
}

// aliasOK accepts the names the runtime uses for a syscall the kernel
// table spells differently on some architectures.
func aliasOK(spelled, name string) bool {
	switch spelled {
	case "pread64":
		return name == "pread"
	case "fcntl":
		return name == "fcntl64"
	case "mmap":
		return name == "mmap2"
	}
	return false
}

func (b *builder) add(name string, nr uint32, g Group, errno uint16, site Site) {
	k := entryKey{name, g}
	e := b.entry[k]
	if e == nil {
		e = &Syscall{Name: name, Nr: nr, Group: g, Errno: errno}
		b.entry[k] = e
	}
	if errno != 0 {
		e.Errno = errno
	}
	e.Sites = append(e.Sites, site)
}

// triggerRank orders sites: start-up-only last, unknown just before it.
func triggerRank(t Trigger) int {
	switch t {
	case TriggerStartup:
		return 1000
	case TriggerUnknown:
		return 999
	}
	return int(t)
}

func (b *builder) finish() {
	for _, e := range b.entry {
		sort.SliceStable(e.Sites, func(i, j int) bool {
			ri, rj := triggerRank(e.Sites[i].Trigger), triggerRank(e.Sites[j].Trigger)
			if ri != rj {
				return ri < rj
			}
			return e.Sites[i].Pos < e.Sites[j].Pos
		})
		e.Trigger, e.Source = e.Sites[0].Trigger, e.Sites[0].Pos
		if e.Trigger == TriggerStartup {
			b.prof.PreMain = append(b.prof.PreMain, *e)
		} else {
			b.prof.Syscalls = append(b.prof.Syscalls, *e)
		}
	}
	less := func(list []Syscall) func(i, j int) bool {
		return func(i, j int) bool {
			if list[i].Group != list[j].Group {
				return list[i].Group < list[j].Group
			}
			return list[i].Name < list[j].Name
		}
	}
	sort.Slice(b.prof.Syscalls, less(b.prof.Syscalls))
	sort.Slice(b.prof.PreMain, less(b.prof.PreMain))
	sort.Strings(b.prof.Notes)
}
