package selfsandbox

import (
	"github.com/sandboxgen/sandboxgen/internal/bpf"
	"github.com/sandboxgen/sandboxgen/internal/seccompabi"
)

// The seccomp ABI as this package's code spells it. The values live in
// internal/seccompabi (actions, errno numbers, architectures) and
// internal/bpf (instructions), which gen and the analyzer use too.
const (
	retKillProcess = seccompabi.RetKillProcess
	retKillThread  = seccompabi.RetKillThread
	retTrap        = seccompabi.RetTrap
	retErrno       = seccompabi.RetErrno
	retUserNotif   = seccompabi.RetUserNotif
	retTrace       = seccompabi.RetTrace
	retLog         = seccompabi.RetLog
	retAllow       = seccompabi.RetAllow
	retActionFull  = seccompabi.RetActionFull

	errnoEPERM = seccompabi.EPERM

	bpfLD  = bpf.ClassLD
	bpfST  = bpf.ClassST
	bpfALU = bpf.ClassALU
	bpfJMP = bpf.ClassJMP
	bpfRET = bpf.ClassRET
	bpfW   = bpf.SizeW
	bpfABS = bpf.ModeABS
	bpfMEM = bpf.ModeMEM
	bpfDIV = bpf.AluDIV
	bpfLSH = bpf.AluLSH
	bpfJA  = bpf.JmpJA
	bpfJEQ = bpf.JmpJEQ
	bpfK   = bpf.SrcK
)

// auditArches maps each supported GOARCH to its AUDIT_ARCH_* value.
var auditArches = func() map[string]uint32 {
	m := map[string]uint32{}
	for _, goarch := range seccompabi.Arches() {
		m[goarch], _ = seccompabi.AuditArch(goarch)
	}
	return m
}()
