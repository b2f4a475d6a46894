package selfsandbox

import "github.com/sandboxgen/sandboxgen/internal/seccompabi"

// AuditArch returns the AUDIT_ARCH_* value of goarch's native system call
// ABI, and false when selfsandbox does not support goarch. Lock refuses a
// program whose AuditArch differs, because such a program would deny every
// system call at its architecture check.
func AuditArch(goarch string) (uint32, bool) {
	return seccompabi.AuditArch(goarch)
}
