package gen

import (
	"fmt"
	"slices"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// ModeAction returns the default action a filter generated for mode
// ("enforce", "trap", "errno" or "log", as selfsandbox.ParseMode reads
// them) gives the syscalls it does not allow: the action selfsandbox's
// mode of that name installs.
func ModeAction(mode string) (Action, error) {
	m, err := selfsandbox.ParseMode(mode)
	if err != nil {
		return Action{}, err
	}
	ret, ok := m.Action()
	if !ok {
		return Action{}, fmt.Errorf("gen: mode %q has no action", mode)
	}
	return ActionFromRet(ret), nil
}

// OpenWriteFlags are the open(2) flag bits that ask for more than reading
// on goarch: the access modes O_WRONLY and O_RDWR (O_TMPFILE needs one of
// them), O_CREAT, O_TRUNC and O_APPEND. The MIPS family numbers the last
// three differently.
func OpenWriteFlags(goarch string) uint64 {
	const accMode = 0x3 // O_WRONLY | O_RDWR, the same everywhere
	switch goarch {
	case "mips", "mipsle", "mips64", "mips64le":
		return accMode | 0x100 | 0x200 | 0x8
	}
	return accMode | 0x40 | 0x200 | 0x400
}

// openFlagsArg is the argument index of the flags of each open syscall a
// filter can inspect. openat2 passes them in a struct behind a pointer,
// which no filter can read, so a read-only policy denies it (it is among
// fileChanging).
var openFlagsArg = map[string]int{"open": 1, "openat": 2}

// ReadOnlyOpenRule returns the rule a read-only file system policy gives
// the open syscall name on goarch: allow it only when its flags ask for
// none of OpenWriteFlags. ok is false for every other syscall.
func ReadOnlyOpenRule(goarch, name string) (rule Rule, ok bool) {
	idx, ok := openFlagsArg[name]
	if !ok {
		return Rule{}, false
	}
	return Rule{
		Args:   []ArgCond{{Index: idx, Op: OpMaskedEqual, Mask: OpenWriteFlags(goarch), Value: 0}},
		Action: Allow,
	}, true
}

// ReadOnlyOpens returns the open syscalls ReadOnlyOpenRule has a rule for,
// sorted.
func ReadOnlyOpens() []string {
	names := make([]string, 0, len(openFlagsArg))
	for name := range openFlagsArg {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// fileChanging are the syscalls a read-only file system policy denies:
// they create, remove, rename, link or change files and their metadata
// without opening them for writing first (fchmod and friends work on
// read-only descriptors).
var fileChanging = []string{
	"chmod", "chown", "creat", "fallocate", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchownat",
	"fremovexattr", "fsetxattr", "ftruncate", "futimesat", "lchown", "link", "linkat", "lremovexattr",
	"lsetxattr", "mkdir", "mkdirat", "mknod", "mknodat", "openat2", "removexattr", "rename", "renameat",
	"renameat2", "rmdir", "setxattr", "symlink", "symlinkat", "truncate", "unlink", "unlinkat", "utime",
	"utimensat", "utimes",
}

// FileChangingSyscalls returns the syscalls a read-only file system policy
// denies, sorted: those that change files without opening them for
// writing.
func FileChangingSyscalls() []string { return slices.Clone(fileChanging) }
