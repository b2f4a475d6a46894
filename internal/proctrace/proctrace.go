package proctrace

import (
	"fmt"
	"os"
	"sort"
)

// Count is how often one executable made one syscall.
type Count struct {
	Exe       string // executable path (/proc/PID/exe); "" if unreadable
	Program   bool   // Exe is the traced command itself (before any execve)
	AuditArch uint32 // AUDIT_ARCH_* of the calls
	Nr        uint32 // syscall number in that architecture's table
	// Before counts the calls made by processes not (yet) under a seccomp
	// filter; After the calls made under one.
	Before, After int
	// ENOSYS counts the calls under a filter (of After) that returned
	// ENOSYS: the filter's errno rule (clone3 gets ENOSYS so that callers
	// fall back to clone), or a syscall this kernel lacks.
	ENOSYS int
}

// Result is what a trace found.
type Result struct {
	// Counts lists every executable and syscall seen, sorted by
	// executable (the program first), then architecture, then number.
	Counts []Count
	// Locked reports whether the traced command's own process installed a
	// seccomp filter.
	Locked bool
	// ExitCode is the command's exit status, or -1 when a signal ended it.
	ExitCode int
	// Signal is the signal that ended the command, or 0.
	Signal int
}

// Command is what Run starts. The tracer waits for any child of its own
// thread, so a child this program started earlier and has not waited for
// may be reaped by it if the tracer runs on the thread that started it;
// children started while a trace runs are safe.
type Command struct {
	Path   string   // executable (looked up in PATH if it has no slash)
	Args   []string // argv, Args[0] included
	Env    []string // nil means the tracer's environment
	Dir    string
	Stdin  *os.File // nil means /dev/null
	Stdout *os.File // nil means /dev/null
	Stderr *os.File // nil means /dev/null
	// Started, if set, is called with the command's process id once it
	// runs under the tracer (to forward signals to it, say).
	Started func(pid int)
}

type countKey struct {
	exe  string
	prog bool
	arch uint32
	nr   uint32
}

type counter map[countKey]*Count

func (c counter) add(exe string, prog bool, arch, nr uint32, filtered bool) *Count {
	k := countKey{exe, prog, arch, nr}
	n := c[k]
	if n == nil {
		n = &Count{Exe: exe, Program: prog, AuditArch: arch, Nr: nr}
		c[k] = n
	}
	if filtered {
		n.After++
	} else {
		n.Before++
	}
	return n
}

func (c counter) sorted() []Count {
	out := make([]Count, 0, len(c))
	for _, n := range c {
		out = append(out, *n)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Program != b.Program {
			return a.Program
		}
		if a.Exe != b.Exe {
			return a.Exe < b.Exe
		}
		if a.AuditArch != b.AuditArch {
			return a.AuditArch < b.AuditArch
		}
		return a.Nr < b.Nr
	})
	return out
}

func (r *Result) String() string {
	return fmt.Sprintf("%d counts, locked=%v, exit=%d, signal=%d", len(r.Counts), r.Locked, r.ExitCode, r.Signal)
}
