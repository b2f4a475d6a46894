package gen

import (
	"fmt"
	"github.com/sandboxgen/sandboxgen/internal/seccompabi"
)

// Policy is what a filter must do on one architecture: the action for each
// listed syscall (optionally depending on its arguments), the action for
// every other syscall (and for x32 ABI syscalls on amd64), and the action
// for a syscall made through a foreign architecture's ABI.
type Policy struct {
	// Arch is the GOARCH the filter is for, e.g. "amd64" or "arm64".
	Arch string
	// Default is the action for syscalls not in Syscalls, for listed
	// syscalls none of whose rules match, and on amd64 for every x32 ABI
	// number (nr >= 0x40000000). It must be set.
	Default Action
	// BadArch is the action when seccomp_data.arch is not the policy's
	// architecture (e.g. a 32-bit int 0x80 syscall on amd64). The zero
	// Action means KillProcess.
	BadArch Action
	// Syscalls maps a kernel syscall name (as in the systable, e.g.
	// "epoll_pwait") to its rules, tried in order; the first rule whose
	// argument conditions all hold decides. A rule with no conditions
	// always matches.
	Syscalls map[string][]Rule
}

// Rule is one alternative for a syscall: when every condition in Args holds,
// the syscall gets Action.
type Rule struct {
	Args   []ArgCond
	Action Action
}

// ArgOp is how an argument is compared. Every comparison is on the full 64
// bits of the argument register.
type ArgOp uint8

// The argument comparisons. Ordered comparisons are unsigned.
const (
	OpEqual        ArgOp = iota + 1 // arg == Value
	OpNotEqual                      // arg != Value
	OpMaskedEqual                   // arg & Mask == Value
	OpBitsAllowed                   // arg & ^Value == 0: only bits in Value may be set
	OpLess                          // arg < Value
	OpLessEqual                     // arg <= Value
	OpGreater                       // arg > Value
	OpGreaterEqual                  // arg >= Value
)

var argOpNames = [...]string{"", "==", "!=", "&mask==", "bits-allowed", "<", "<=", ">", ">="}

// String returns a short symbol for the comparison.
func (o ArgOp) String() string {
	if int(o) < len(argOpNames) && o != 0 {
		return argOpNames[o]
	}
	return fmt.Sprintf("ArgOp(%d)", uint8(o))
}

// ArgCond is one condition on a syscall argument.
type ArgCond struct {
	Index int    // argument number, 0..5
	Op    ArgOp  // comparison
	Value uint64 // right-hand side
	Mask  uint64 // only for OpMaskedEqual
}

// Holds reports whether arg satisfies the condition. It is the reference
// semantics the compiled program is tested against.
func (c ArgCond) Holds(arg uint64) bool {
	switch c.Op {
	case OpEqual:
		return arg == c.Value
	case OpNotEqual:
		return arg != c.Value
	case OpMaskedEqual:
		return arg&c.Mask == c.Value
	case OpBitsAllowed:
		return arg&^c.Value == 0
	case OpLess:
		return arg < c.Value
	case OpLessEqual:
		return arg <= c.Value
	case OpGreater:
		return arg > c.Value
	case OpGreaterEqual:
		return arg >= c.Value
	}
	return false
}

// Action is what the kernel does with a syscall. The zero Action is unset.
// Use the predefined values and the Errno, Trace and UserNotif helpers.
type Action struct {
	kind actionKind
	data uint16
}

type actionKind uint8

const (
	kindUnset actionKind = iota
	kindKillProcess
	kindKillThread
	kindTrap
	kindErrno
	kindUserNotif
	kindTrace
	kindLog
	kindAllow
)

// The actions that carry no data.
var (
	KillProcess = Action{kind: kindKillProcess}
	KillThread  = Action{kind: kindKillThread}
	Trap        = Action{kind: kindTrap}
	Log         = Action{kind: kindLog}
	Allow       = Action{kind: kindAllow}
	UserNotif   = Action{kind: kindUserNotif}
)

// Errno returns the action that fails the syscall with errno n.
func Errno(n uint16) Action { return Action{kind: kindErrno, data: n} }

// Trace returns the action that notifies a ptrace tracer with msg.
func Trace(msg uint16) Action { return Action{kind: kindTrace, data: msg} }

// IsZero reports whether the action is unset.
func (a Action) IsZero() bool { return a.kind == kindUnset }

// Ret returns the SECCOMP_RET_* value the filter returns for the action.
func (a Action) Ret() uint32 {
	switch a.kind {
	case kindKillProcess:
		return seccompabi.RetKillProcess
	case kindKillThread:
		return seccompabi.RetKillThread
	case kindTrap:
		return seccompabi.RetTrap | uint32(a.data)
	case kindErrno:
		return seccompabi.RetErrno | uint32(a.data)
	case kindUserNotif:
		return seccompabi.RetUserNotif
	case kindTrace:
		return seccompabi.RetTrace | uint32(a.data)
	case kindLog:
		return seccompabi.RetLog
	case kindAllow:
		return seccompabi.RetAllow
	}
	panic("gen: Ret of an unset Action")
}

// ActionFromRet decodes a SECCOMP_RET_* value, as the kernel would: unknown
// action values act as KILL_PROCESS.
func ActionFromRet(ret uint32) Action {
	data := uint16(ret & seccompabi.RetData)
	switch ret & seccompabi.RetActionFull {
	case seccompabi.RetKillProcess:
		return KillProcess
	case seccompabi.RetKillThread:
		return KillThread
	case seccompabi.RetTrap:
		return Action{kind: kindTrap, data: data}
	case seccompabi.RetErrno:
		return Errno(data)
	case seccompabi.RetUserNotif:
		return UserNotif
	case seccompabi.RetTrace:
		return Trace(data)
	case seccompabi.RetLog:
		return Log
	case seccompabi.RetAllow:
		return Allow
	}
	return KillProcess
}

// String returns the action in the form the CLI and reports use, e.g.
// "allow", "errno(1)", "kill_process".
func (a Action) String() string {
	switch a.kind {
	case kindKillProcess:
		return "kill_process"
	case kindKillThread:
		return "kill_thread"
	case kindTrap:
		return "trap"
	case kindErrno:
		return fmt.Sprintf("errno(%d)", a.data)
	case kindUserNotif:
		return "user_notif"
	case kindTrace:
		return fmt.Sprintf("trace(%d)", a.data)
	case kindLog:
		return "log"
	case kindAllow:
		return "allow"
	}
	return "unset"
}
