//go:build linux

package seccompabi

import (
	"runtime"
	"slices"
	"testing"

	"github.com/sandboxgen/sandboxgen/internal/systable"
	"golang.org/x/sys/unix"
)

// TestRet checks the actions against x/sys/unix's copy of the kernel's
// header.
func TestRet(t *testing.T) {
	cases := []struct {
		name      string
		ours, sys uint32
	}{
		{"KILL_PROCESS", RetKillProcess, unix.SECCOMP_RET_KILL_PROCESS},
		{"KILL_THREAD", RetKillThread, unix.SECCOMP_RET_KILL_THREAD},
		{"TRAP", RetTrap, unix.SECCOMP_RET_TRAP},
		{"ERRNO", RetErrno, unix.SECCOMP_RET_ERRNO},
		{"USER_NOTIF", RetUserNotif, unix.SECCOMP_RET_USER_NOTIF},
		{"TRACE", RetTrace, unix.SECCOMP_RET_TRACE},
		{"LOG", RetLog, unix.SECCOMP_RET_LOG},
		{"ALLOW", RetAllow, unix.SECCOMP_RET_ALLOW},
		{"ACTION_FULL", RetActionFull, unix.SECCOMP_RET_ACTION_FULL},
		{"DATA", RetData, unix.SECCOMP_RET_DATA},
	}
	for _, c := range cases {
		if c.ours != c.sys {
			t.Errorf("SECCOMP_RET_%s = %#x, x/sys/unix says %#x", c.name, c.ours, c.sys)
		}
	}
}

// TestAuditArch checks every architecture against x/sys/unix's
// AUDIT_ARCH_* constants and against the syscall tables, which must cover
// the same architectures.
func TestAuditArch(t *testing.T) {
	sys := map[string]uint32{
		"386": unix.AUDIT_ARCH_I386, "amd64": unix.AUDIT_ARCH_X86_64, "arm": unix.AUDIT_ARCH_ARM,
		"arm64": unix.AUDIT_ARCH_AARCH64, "loong64": unix.AUDIT_ARCH_LOONGARCH64, "mips": unix.AUDIT_ARCH_MIPS,
		"mipsle": unix.AUDIT_ARCH_MIPSEL, "mips64": unix.AUDIT_ARCH_MIPS64, "mips64le": unix.AUDIT_ARCH_MIPSEL64,
		"ppc64": unix.AUDIT_ARCH_PPC64, "ppc64le": unix.AUDIT_ARCH_PPC64LE, "riscv64": unix.AUDIT_ARCH_RISCV64,
		"s390x": unix.AUDIT_ARCH_S390X,
	}
	ours, tables := Arches(), systable.Arches()
	slices.Sort(ours)
	slices.Sort(tables)
	if !slices.Equal(ours, tables) {
		t.Errorf("AuditArch knows %v, the syscall tables %v", ours, tables)
	}
	for _, goarch := range ours {
		got, _ := AuditArch(goarch)
		if want, ok := sys[goarch]; !ok || got != want {
			t.Errorf("AuditArch(%s) = %#x, x/sys/unix says %#x", goarch, got, want)
		}
		if tab, err := systable.Lookup(goarch); err != nil || tab.AuditArch != got {
			t.Errorf("AuditArch(%s) = %#x, the syscall table says %#x (%v)", goarch, got, tab.AuditArch, err)
		}
	}
	if _, ok := AuditArch("sparc64"); ok {
		t.Error("AuditArch knows sparc64, which Go does not build for Linux")
	}
}

// TestErrno checks the errno numbers on this machine's architecture
// against x/sys/unix (the MIPS family's ENOSYS is checked where the tests
// run on MIPS).
func TestErrno(t *testing.T) {
	if EPERM != unix.EPERM {
		t.Errorf("EPERM = %d, x/sys/unix says %d", EPERM, unix.EPERM)
	}
	if got := ENOSYS(runtime.GOARCH); got != uint16(unix.ENOSYS) {
		t.Errorf("ENOSYS(%s) = %d, x/sys/unix says %d", runtime.GOARCH, got, unix.ENOSYS)
	}
	for _, goarch := range []string{"mips", "mipsle", "mips64", "mips64le"} {
		if got := ENOSYS(goarch); got != 89 {
			t.Errorf("ENOSYS(%s) = %d, want 89 (arch/mips/include/uapi/asm/errno.h)", goarch, got)
		}
	}
}
