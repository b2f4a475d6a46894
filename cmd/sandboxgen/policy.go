package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/systable"
	"github.com/sandboxgen/sandboxgen/runtimeprofile"
)

// modeAction is the default action -mode bakes into the filter.
func modeAction(mode string) gen.Action {
	switch mode {
	case "trap":
		return gen.Trap
	case "errno":
		return gen.Errno(1) // EPERM is 1 on every Linux architecture
	case "log":
		return gen.Log
	}
	return gen.KillProcess
}

// override records a change the command line made to the analysis's
// allow-list, for the report.
type override struct {
	Name   string `json:"name"`
	Action string `json:"action"`
	Reason string `json:"reason"`
}

// openFlags are the open(2) flag bits that ask for more than reading, per
// architecture family: the access modes O_WRONLY and O_RDWR (O_TMPFILE
// needs one of them), O_CREAT, O_TRUNC and O_APPEND.
func openWriteFlags(goarch string) uint64 {
	const accMode = 0x3 // O_WRONLY | O_RDWR, the same everywhere
	switch goarch {
	case "mips", "mipsle", "mips64", "mips64le":
		return accMode | 0x100 | 0x200 | 0x8
	}
	return accMode | 0x40 | 0x200 | 0x400
}

// openFlagsArg is the argument index of the flags of each open syscall a
// filter can inspect. openat2 passes them in a struct behind a pointer,
// which no filter can read, so -readonly-fs denies it.
var openFlagsArg = map[string]int{"open": 1, "openat": 2}

// fileChanging are the syscalls -readonly-fs denies: they create, remove,
// rename, link or change files and their metadata without opening them
// for writing first (fchmod and friends work on read-only descriptors).
var fileChanging = []string{
	"chmod", "chown", "creat", "fallocate", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchownat",
	"fremovexattr", "fsetxattr", "ftruncate", "futimesat", "lchown", "link", "linkat", "lremovexattr",
	"lsetxattr", "mkdir", "mkdirat", "mknod", "mknodat", "openat2", "removexattr", "rename", "renameat",
	"renameat2", "rmdir", "setxattr", "symlink", "symlinkat", "truncate", "unlink", "unlinkat", "utime",
	"utimensat", "utimes",
}

// needPath is a need's call path, one frame a line, or its origin when it
// has none (the runtime's needs).
func needPath(n analyzer.Need) string {
	if len(n.Path) == 0 {
		return "(" + n.Origin + ")"
	}
	return strings.Join(n.Path, "\n\t")
}

// buildPolicy turns the analysis of one program into the policy to compile:
// the analysis's allow-list with the command line's overrides applied.
func buildPolicy(p *analyzer.Program, o *options) (gen.Policy, []override, error) {
	table, err := systable.Lookup(p.GOARCH)
	if err != nil {
		return gen.Policy{}, nil, err
	}
	pol := p.Policy(modeAction(o.mode))
	var changes []override
	// runtimeNeed says why the runtime cannot do without name, whoever
	// else needs it: the program's own use of write does not make the
	// runtime's (printing a panic) optional.
	runtimeNeed := func(name string) (string, bool) {
		n, ok := p.RuntimeNeed(name)
		if !ok {
			return "", false
		}
		why := "trigger: " + strings.TrimPrefix(n.Origin, analyzer.OriginRuntimePrefix)
		if strings.Contains(n.Origin, runtimeprofile.TriggerCrash.String()) {
			why += "; the runtime reports panics and fatal errors with it, so without it a crash after Lock would end with no message"
		}
		return why, true
	}

	for _, name := range o.deny {
		if _, ok := table.Number(name); !ok {
			continue // not a syscall on this architecture: nothing to deny
		}
		if group := o.denyGroup[name]; group != "" {
			// A group says what the program should not do; one of its
			// syscalls the program needs is a contradiction to resolve
			// by hand, not to settle by killing the program.
			if n, needed := p.Need(name); needed {
				return gen.Policy{}, nil, usageErrorf("-deny %s: the program needs %s on %s:\n\t%s\ndrop %s from -deny, or deny the syscalls of it the program does not need one by one",
					group, name, p.GOARCH, needPath(n), group)
			}
			continue // not allowed anyway
		}
		if trigger, ok := runtimeNeed(name); ok {
			return gen.Policy{}, nil, usageErrorf("-deny %s: the Go runtime itself needs %s on %s (%s); denying it would crash the program, so drop it from -deny",
				name, name, p.GOARCH, trigger)
		}
		if _, ok := pol.Syscalls[name]; !ok {
			changes = append(changes, override{name, "deny", "-deny (the analysis did not need it either)"})
			continue
		}
		delete(pol.Syscalls, name)
		changes = append(changes, override{name, "deny", "-deny"})
	}

	if o.readonlyFS {
		mask := openWriteFlags(p.GOARCH)
		for name, idx := range openFlagsArg {
			if _, ok := pol.Syscalls[name]; !ok {
				continue
			}
			pol.Syscalls[name] = []gen.Rule{{
				Args:   []gen.ArgCond{{Index: idx, Op: gen.OpMaskedEqual, Mask: mask, Value: 0}},
				Action: gen.Allow,
			}}
			changes = append(changes, override{name, "allow if read-only",
				fmt.Sprintf("-readonly-fs: allowed only when flags (arg %d) & %#x == 0", idx, mask)})
		}
		for _, name := range fileChanging {
			if _, ok := pol.Syscalls[name]; !ok {
				continue
			}
			if trigger, ok := runtimeNeed(name); ok {
				return gen.Policy{}, nil, usageErrorf("-readonly-fs: the Go runtime needs %s on %s (%s), which -readonly-fs would deny; drop -readonly-fs",
					name, p.GOARCH, trigger)
			}
			delete(pol.Syscalls, name)
			changes = append(changes, override{name, "deny", "-readonly-fs"})
		}
	}

	for _, name := range o.allow {
		if _, ok := table.Number(name); !ok {
			continue
		}
		if rules, ok := pol.Syscalls[name]; ok && len(rules) == 1 && len(rules[0].Args) == 0 && rules[0].Action == gen.Allow {
			changes = append(changes, override{name, "allow", "-allow (the analysis needed it already)"})
			continue
		}
		pol.Syscalls[name] = []gen.Rule{{Action: gen.Allow}}
		changes = append(changes, override{name, "allow", "-allow"})
	}
	more, err := childNeeds(p, &pol, table, o)
	if err != nil {
		return gen.Policy{}, nil, err
	}
	changes = append(changes, more...)
	slices.SortFunc(changes, func(a, b override) int { return strings.Compare(a.Name, b.Name) })
	return pol, changes, nil
}
