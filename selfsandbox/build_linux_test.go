package selfsandbox

import (
	"errors"
	"strings"
	"testing"
)

// TestBuildMismatch: a binary built with a setting (cgo linked, -race) its
// program does not cover gets a *BuildMismatchError naming the setting and
// the fix, before no_new_privs or any filter; AllowBuildMismatch installs
// the program anyway, and a program that covers the build is installed.
func TestBuildMismatch(t *testing.T) {
	for _, tt := range []struct {
		name          string
		progCgo       bool
		progRace      bool
		linksCgo      bool
		race          bool
		allow         bool
		wantSetting   string // "" means Lock installs the filter
		wantInMessage []string
	}{
		{name: "no cgo either side"},
		{name: "cgo covered", progCgo: true, linksCgo: true},
		{name: "cgo program, binary without cgo", progCgo: true},
		{name: "cgo binary, program without", linksCgo: true, wantSetting: "cgo",
			wantInMessage: []string{"links cgo", "builds without cgo", "CGO_ENABLED=0", "go generate", "AllowBuildMismatch"}},
		{name: "race binary", race: true, progCgo: true, wantSetting: "race",
			wantInMessage: []string{"-race", "ThreadSanitizer", "build without -race", "AllowBuildMismatch"}},
		{name: "race and cgo: race first", race: true, linksCgo: true, wantSetting: "race"},
		{name: "race covered", race: true, progRace: true},
		{name: "opted out", linksCgo: true, race: true, allow: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := testProgram(t)
			p.Cgo, p.Race = tt.progCgo, tt.progRace
			var k fakeKernel
			k.use(t, p)
			oldCgo, oldRace := binaryLinksCgo, binaryRace
			binaryLinksCgo = func() bool { return tt.linksCgo }
			binaryRace = func() bool { return tt.race }
			t.Cleanup(func() { binaryLinksCgo, binaryRace = oldCgo, oldRace })

			err := LockWith(Options{AllowBuildMismatch: tt.allow})
			if tt.wantSetting == "" {
				if err != nil {
					t.Fatalf("LockWith: %v", err)
				}
				if len(k.filters) != 1 {
					t.Fatalf("%d filters installed, want 1", len(k.filters))
				}
				return
			}
			var be *BuildMismatchError
			if !errors.As(err, &be) {
				t.Fatalf("got %v (%T), want a *BuildMismatchError", err, err)
			}
			if be.Setting != tt.wantSetting {
				t.Errorf("Setting %q, want %q", be.Setting, tt.wantSetting)
			}
			for _, want := range tt.wantInMessage {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message lacks %q: %v", want, err)
				}
			}
			if len(k.filters) != 0 || k.nnpTID != 0 || Current().Locked {
				t.Errorf("something was installed before the error: filters %d, no_new_privs on %d, locked %v", len(k.filters), k.nnpTID, Current().Locked)
			}
		})
	}
}

// TestBuildSettingsOfThisBinary: the seams report how this test binary
// was built; it links cgo when the go command's cgo is on (net, linked
// through os/exec's tests, has C code) and the race detector with -race.
func TestBuildSettingsOfThisBinary(t *testing.T) {
	if binaryRace() != raceBuild {
		t.Errorf("binaryRace() = %v, want %v", binaryRace(), raceBuild)
	}
	if binaryLinksCgo() != cgoTagged {
		t.Errorf("runtime.iscgo = %v, but the cgo build tag says %v", binaryLinksCgo(), cgoTagged)
	}
}
