package selfsandbox

import (
	"fmt"
	"os"
	"strings"
)

// EnvMode is the environment variable that chooses the mode when the code
// does not: it overrides the mode baked into the generated program, unless
// Options.IgnoreEnv is set or Options.Mode names a mode explicitly.
//
// Whoever controls a process's environment can weaken its sandbox with this
// variable: SELFSANDBOX_MODE=log blocks nothing and only asks the kernel to
// log. That is the point (an operator can roll a new allow-list out in log
// mode without a rebuild), but a program that must stay enforced against the
// people who start it should call LockWith(Options{IgnoreEnv: true}) or name
// its mode in code.
const EnvMode = "SELFSANDBOX_MODE"

// Mode is what the kernel does with a system call the program denies.
type Mode uint8

// The modes. The zero Mode, ModeDefault, means "not chosen here".
const (
	// ModeDefault leaves the choice to SELFSANDBOX_MODE, and failing that
	// to the action baked into the generated program (enforce, unless the
	// program was generated for another mode).
	ModeDefault Mode = iota
	// ModeEnforce kills the whole process (SECCOMP_RET_KILL_PROCESS): it
	// dies of SIGSYS and, where enabled, dumps core. This is the mode for
	// production.
	ModeEnforce
	// ModeTrap sends SIGSYS to the calling thread (SECCOMP_RET_TRAP). Go
	// cannot recover from it: the runtime crashes with "SIGSYS: bad system
	// call" and a goroutine traceback that shows who made the call. This is
	// the debugging mode.
	ModeTrap
	// ModeErrno fails the call with EPERM (SECCOMP_RET_ERRNO) and the
	// program goes on. Useful for code that handles permission errors;
	// dangerous for code that does not check them.
	ModeErrno
	// ModeLog allows the call and asks the kernel to log it
	// (SECCOMP_RET_LOG with SECCOMP_FILTER_FLAG_LOG; see the audit log or
	// dmesg). Nothing is blocked: this is the rollout mode.
	ModeLog
)

var modeNames = [...]string{"default", "enforce", "trap", "errno", "log"}

// String returns the mode's name as SELFSANDBOX_MODE spells it.
func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Action returns the SECCOMP_RET_* value the mode gives denied system calls,
// or false for ModeDefault and unknown modes.
func (m Mode) Action() (uint32, bool) {
	switch m {
	case ModeEnforce:
		return retKillProcess, true
	case ModeTrap:
		return retTrap, true
	case ModeErrno:
		return retErrno | errnoEPERM, true
	case ModeLog:
		return retLog, true
	}
	return 0, false
}

// ParseMode returns the mode named s ("enforce", "trap", "errno" or "log",
// in any case, surrounding space ignored).
func ParseMode(s string) (Mode, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for m := ModeEnforce; m <= ModeLog; m++ {
		if name == m.String() {
			return m, nil
		}
	}
	return ModeDefault, fmt.Errorf("selfsandbox: unknown mode %q; use one of enforce, trap, errno, log", s)
}

// modeOfAction names the mode a SECCOMP_RET_* value belongs to, or
// ModeDefault when it belongs to none (e.g. SECCOMP_RET_TRACE).
func modeOfAction(ret uint32) Mode {
	switch ret & retActionFull {
	case retKillProcess:
		return ModeEnforce
	case retTrap:
		return ModeTrap
	case retErrno:
		return ModeErrno
	case retLog:
		return ModeLog
	}
	return ModeDefault
}

// lookupEnv is os.LookupEnv; tests replace it.
var lookupEnv = os.LookupEnv

// resolveMode decides the mode Lock installs: an explicit Options.Mode wins;
// otherwise SELFSANDBOX_MODE, unless IgnoreEnv; otherwise ModeDefault (the
// program's baked action). A set but unparsable SELFSANDBOX_MODE is an error
// rather than silently ignored: the operator asked for something and must
// learn that they did not get it.
func resolveMode(opts Options) (Mode, error) {
	if opts.Mode != ModeDefault {
		if _, ok := opts.Mode.Action(); !ok {
			return ModeDefault, fmt.Errorf("selfsandbox: Options.Mode is %v, which is not a mode; use ModeEnforce, ModeTrap, ModeErrno or ModeLog", opts.Mode)
		}
		return opts.Mode, nil
	}
	if opts.IgnoreEnv {
		return ModeDefault, nil
	}
	v, ok := lookupEnv(EnvMode)
	if !ok || strings.TrimSpace(v) == "" {
		return ModeDefault, nil
	}
	m, err := ParseMode(v)
	if err != nil {
		return ModeDefault, fmt.Errorf("selfsandbox: %s=%q is not a mode; use one of enforce, trap, errno, log, or unset it", EnvMode, v)
	}
	return m, nil
}
