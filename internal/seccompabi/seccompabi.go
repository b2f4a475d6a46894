package seccompabi

// SECCOMP_RET_* values (include/uapi/linux/seccomp.h). A filter returns
// an action in the high 16 bits (RetActionFull) and, for the actions that
// take one, data in the low 16 bits (RetData): an errno, a tracer's
// message or a trap's si_errno.
const (
	RetKillProcess = 0x80000000
	RetKillThread  = 0x00000000
	RetTrap        = 0x00030000
	RetErrno       = 0x00050000
	RetUserNotif   = 0x7fc00000
	RetTrace       = 0x7ff00000
	RetLog         = 0x7ffc0000
	RetAllow       = 0x7fff0000

	RetActionFull = 0xffff0000
	RetData       = 0x0000ffff
)

// auditArches maps each Linux GOARCH to the AUDIT_ARCH_* value the kernel
// reports in seccomp_data.arch for its native system call ABI
// (include/uapi/linux/audit.h).
var auditArches = map[string]uint32{
	"386":      0x40000003, // AUDIT_ARCH_I386
	"amd64":    0xc000003e, // AUDIT_ARCH_X86_64
	"arm":      0x40000028, // AUDIT_ARCH_ARM
	"arm64":    0xc00000b7, // AUDIT_ARCH_AARCH64
	"loong64":  0xc0000102, // AUDIT_ARCH_LOONGARCH64
	"mips":     0x00000008, // AUDIT_ARCH_MIPS
	"mipsle":   0x40000008, // AUDIT_ARCH_MIPSEL
	"mips64":   0x80000008, // AUDIT_ARCH_MIPS64
	"mips64le": 0xc0000008, // AUDIT_ARCH_MIPSEL64
	"ppc64":    0x80000015, // AUDIT_ARCH_PPC64
	"ppc64le":  0xc0000015, // AUDIT_ARCH_PPC64LE
	"riscv64":  0xc00000f3, // AUDIT_ARCH_RISCV64
	"s390x":    0x80000016, // AUDIT_ARCH_S390X
}

// AuditArch returns the AUDIT_ARCH_* value of goarch's native system call
// ABI, and false for a GOARCH that is not a supported Linux architecture.
func AuditArch(goarch string) (uint32, bool) {
	a, ok := auditArches[goarch]
	return a, ok
}

// Arches returns every GOARCH AuditArch knows, in no particular order.
func Arches() []string {
	out := make([]string, 0, len(auditArches))
	for a := range auditArches {
		out = append(out, a)
	}
	return out
}

// EPERM is EPERM's number, the same on every Linux architecture.
const EPERM = 1

// ENOSYS returns ENOSYS's number on goarch: 89 on the MIPS family, 38
// elsewhere.
func ENOSYS(goarch string) uint16 {
	switch goarch {
	case "mips", "mipsle", "mips64", "mips64le":
		return 89
	}
	return 38
}
