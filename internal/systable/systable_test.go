package systable

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestKnownNumbers(t *testing.T) {
	tests := []struct {
		arch string
		name string
		nr   uint32
	}{
		{"amd64", "read", 0},
		{"amd64", "futex", 202},
		{"amd64", "epoll_wait", 232},
		{"amd64", "clone3", 435},
		{"arm64", "openat", 56},
		{"arm64", "epoll_pwait", 22},
		{"arm64", "newfstatat", 79},
		{"riscv64", "futex", 98},
		{"386", "socketcall", 102},
	}
	for _, tt := range tests {
		tab, err := Lookup(tt.arch)
		if err != nil {
			t.Fatal(err)
		}
		nr, ok := tab.Number(tt.name)
		if !ok || nr != tt.nr {
			t.Errorf("%s: Number(%q) = %d, %v; want %d", tt.arch, tt.name, nr, ok, tt.nr)
		}
		if name, ok := tab.Name(tt.nr); !ok || name != tt.name {
			t.Errorf("%s: Name(%d) = %q, %v; want %q", tt.arch, tt.nr, name, ok, tt.name)
		}
	}
}

func TestArm64HasNoLegacyCalls(t *testing.T) {
	tab, err := Lookup("arm64")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"open", "epoll_wait", "pipe", "fork", "stat"} {
		if _, ok := tab.Number(name); ok {
			t.Errorf("arm64 table has %q, which arm64 does not implement", name)
		}
	}
	if tab.AuditArch != 0xc00000b7 || tab.X32Bit != 0 {
		t.Errorf("arm64: AuditArch %#x X32Bit %#x", tab.AuditArch, tab.X32Bit)
	}
	amd, _ := Lookup("amd64")
	if amd.X32Bit != 0x40000000 || amd.AuditArch != 0xc000003e {
		t.Errorf("amd64: AuditArch %#x X32Bit %#x", amd.AuditArch, amd.X32Bit)
	}
}

func TestLookupUnknown(t *testing.T) {
	if _, err := Lookup("vax"); err == nil {
		t.Fatal("Lookup(vax) succeeded")
	}
}

func TestClosest(t *testing.T) {
	tab, _ := Lookup("amd64")
	if got, _ := tab.Closest("opnat"); got != "openat" {
		t.Errorf("Closest(opnat) = %q", got)
	}
	if _, ok := tab.Closest("zzzzzzzzzzzzzzzzzzzz"); ok {
		t.Errorf("Closest found a match for nonsense")
	}
}

// TestGeneratedTablesUpToDate regenerates the tables in a scratch copy and
// compares: the checked-in file must be what mktables.go writes today.
func TestGeneratedTablesUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	out := filepath.Join(t.TempDir(), "zsystable.go")
	cmd := exec.Command("go", "run", "mktables.go", "-o", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mktables: %v\n%s", err, msg)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile("zsystable.go")
	if !bytes.Equal(got, want) {
		t.Fatal("zsystable.go is stale: run `go generate ./internal/systable`")
	}
}

// TestNumbersUnique: no two names share a number on any arch, so a number
// names exactly one syscall.
func TestNumbersUnique(t *testing.T) {
	for _, a := range Arches() {
		tab, _ := Lookup(a)
		s := tab.Syscalls()
		for i := 1; i < len(s); i++ {
			if s[i].Nr == s[i-1].Nr {
				t.Errorf("%s: %s and %s are both %d", a, s[i-1].Name, s[i].Name, s[i].Nr)
			}
		}
	}
}
