package selfsandbox

import (
	"errors"
	"fmt"
)

// kernel is the part of Lock and Drop that talks to the operating system.
// On Linux it is linuxKernel; elsewhere unsupportedKernel.
type kernel interface {
	// supported returns nil when filters can be installed at all here, or
	// an error that matches errors.ErrUnsupported.
	supported() error
	// prepare does, when a program for this architecture is registered,
	// the set-up install would otherwise do at the moment of Lock; deny is
	// the program's own denying action.
	prepare(deny uint32)
	// install sets no_new_privs and installs insns on every thread
	// (SECCOMP_FILTER_FLAG_TSYNC, plus SECCOMP_FILTER_FLAG_LOG when deny is
	// SECCOMP_RET_LOG), both from one OS thread.
	install(insns []Instruction, deny uint32) error
	// stack installs insns on every thread on top of the filter install
	// put there, with nothing but seccomp(SECCOMP_SET_MODE_FILTER): it runs
	// under that filter, which must allow seccomp(2) and need allow no
	// more (no_new_privs and the action were settled by install).
	stack(insns []Instruction, deny uint32) error
}

// unsupportedKernel is the kernel of a platform without seccomp.
type unsupportedKernel struct {
	reason string
}

func (k unsupportedKernel) supported() error {
	return fmt.Errorf("selfsandbox: %s: %w", k.reason, errors.ErrUnsupported)
}

func (unsupportedKernel) prepare(uint32) {}

func (k unsupportedKernel) install([]Instruction, uint32) error { return k.supported() }

func (k unsupportedKernel) stack([]Instruction, uint32) error { return k.supported() }
