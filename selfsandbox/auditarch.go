package selfsandbox

// auditArches maps each Linux GOARCH to the AUDIT_ARCH_* value the kernel
// reports in seccomp_data.arch for its native system call ABI
// (include/uapi/linux/audit.h). Lock refuses a program whose AuditArch
// differs, because such a program would deny every system call at its
// architecture check.
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
// ABI, and false when selfsandbox does not support goarch.
func AuditArch(goarch string) (uint32, bool) {
	a, ok := auditArches[goarch]
	return a, ok
}
