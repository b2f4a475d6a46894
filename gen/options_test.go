package gen

import (
	"slices"
	"strings"
	"testing"
)

func TestModeAction(t *testing.T) {
	for mode, want := range map[string]Action{"enforce": KillProcess, "trap": Trap, "errno": Errno(1), "log": Log} {
		got, err := ModeAction(mode)
		if err != nil || got != want {
			t.Errorf("%s: %v (%v), want %v", mode, got, err, want)
		}
	}
	if _, err := ModeAction("audit"); err == nil || !strings.Contains(err.Error(), "unknown mode") {
		t.Errorf("unknown mode: got %v, want an error naming the known modes", err)
	}
}

// TestReadonlyRuleSemantics checks the open flag rule on the flag values
// programs really pass (amd64 numbers).
func TestReadonlyRuleSemantics(t *testing.T) {
	const (
		oRDONLY    = 0x0
		oWRONLY    = 0x1
		oRDWR      = 0x2
		oCREAT     = 0x40
		oTRUNC     = 0x200
		oAPPEND    = 0x400
		oCLOEXEC   = 0x80000
		oDIRECTORY = 0x10000
		oNOFOLLOW  = 0x20000
		oTMPFILE   = 0x410000
		oPATH      = 0x200000
	)
	rule, ok := ReadOnlyOpenRule("amd64", "openat")
	if !ok || len(rule.Args) != 1 || rule.Args[0].Index != 2 || rule.Action != Allow {
		t.Fatalf("openat read-only rule: %+v, %v", rule, ok)
	}
	cond := rule.Args[0]
	for flags, allowed := range map[uint64]bool{
		oRDONLY | oCLOEXEC:                   true, // os.Open
		oRDONLY | oCLOEXEC | oDIRECTORY:      true, // os.ReadDir
		oPATH | oCLOEXEC | oNOFOLLOW:         true,
		oWRONLY | oCREAT | oTRUNC | oCLOEXEC: false, // os.Create, os.WriteFile
		oRDWR | oCLOEXEC:                     false,
		oWRONLY | oAPPEND | oCREAT:           false, // log files
		oRDONLY | oCREAT:                     false, // creates the file
		oRDONLY | oTRUNC:                     false, // truncates it (with write permission)
		oTMPFILE | oRDWR:                     false,
	} {
		if got := cond.Holds(flags); got != allowed {
			t.Errorf("flags %#x: allowed %v, want %v", flags, got, allowed)
		}
	}
}

// TestReadOnlyTables: every open syscall with a read-only rule is left
// alone by the deny list, and openat2, whose flags no filter can read, is
// denied.
func TestReadOnlyTables(t *testing.T) {
	opens := ReadOnlyOpens()
	if !slices.Equal(opens, []string{"open", "openat"}) {
		t.Errorf("ReadOnlyOpens: %v", opens)
	}
	changing := FileChangingSyscalls()
	if !slices.IsSorted(changing) {
		t.Errorf("FileChangingSyscalls not sorted: %v", changing)
	}
	for _, name := range opens {
		if slices.Contains(changing, name) {
			t.Errorf("%s both restricted and denied", name)
		}
	}
	if !slices.Contains(changing, "openat2") {
		t.Error("openat2 is not denied")
	}
	if _, ok := ReadOnlyOpenRule("amd64", "openat2"); ok {
		t.Error("openat2 has a flags rule, but its flags sit behind a pointer")
	}
	changing[0] = "write"
	if FileChangingSyscalls()[0] == "write" {
		t.Error("FileChangingSyscalls returns the table itself")
	}
}
