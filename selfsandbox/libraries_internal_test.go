package selfsandbox

import (
	"bufio"
	"debug/elf"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// mappedFiles returns the distinct files this process has mapped.
func mappedFiles(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Skipf("no /proc/self/maps: %v", err)
	}
	defer f.Close()
	seen := map[string]bool{}
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 6 && strings.HasPrefix(fields[5], "/") && !seen[fields[5]] {
			seen[fields[5]] = true
			out = append(out, fields[5])
		}
	}
	return out
}

// referenceIdentity reads the soname and the GNU build ID of path with
// debug/elf, independently of elfSoname and libraryID.
func referenceIdentity(t *testing.T, path string) (soname, buildID string, ok bool) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		return "", "", false
	}
	defer f.Close()
	if names, err := f.DynString(elf.DT_SONAME); err == nil && len(names) > 0 {
		soname = names[0]
	}
	if s := f.Section(".note.gnu.build-id"); s != nil {
		data, err := s.Data()
		if err != nil {
			t.Fatal(err)
		}
		namesz := int(f.ByteOrder.Uint32(data[0:]))
		descsz := int(f.ByteOrder.Uint32(data[4:]))
		start := 12 + (namesz+3)&^3
		buildID = hex.EncodeToString(data[start : start+descsz])
	}
	return soname, buildID, true
}

// TestLibraryIdentityMatchesDebugELF: for every ELF file this process has
// mapped (the test binary, and with cgo the loader and libc), elfSoname
// and libraryID read what debug/elf reads from the section headers.
func TestLibraryIdentityMatchesDebugELF(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	checked := 0
	for _, path := range mappedFiles(t) {
		want, wantID, ok := referenceIdentity(t, path)
		if !ok {
			continue
		}
		got, ok := elfSoname(path)
		if !ok || got != want {
			t.Errorf("elfSoname(%s) = %q, %v; debug/elf reads %q", path, got, ok, want)
		}
		if wantID != "" {
			if id := libraryID(path, false); id != wantID {
				t.Errorf("libraryID(%s) = %q; debug/elf reads %q", path, id, wantID)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no mapped ELF file to check")
	}
	if cgoTagged {
		found := false
		for _, path := range mappedFiles(t) {
			if s, _ := elfSoname(path); s == "libc.so.6" {
				found = true
			}
		}
		if !found {
			t.Error("the test binary links cgo, but elfSoname finds no mapped libc.so.6")
		}
	}
}

// TestCompareLibraries: a recorded library is a mismatch when no mapped
// file has its soname or when the mapped file's identity differs; a file
// without a build ID is compared by its hash.
func TestCompareLibraries(t *testing.T) {
	dir := t.TempDir()
	// A file that is not ELF: skipped, never a match.
	notELF := filepath.Join(dir, "libnotelf.so.1")
	if err := os.WriteFile(notELF, []byte("not an ELF file"), 0o644); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exeSoname, exeID, ok := referenceIdentity(t, exe)
	if !ok || exeSoname != "" {
		t.Skipf("the test binary %s is not an ELF executable without a soname", exe)
	}
	hashID := libraryID(exe, true)
	if !strings.HasPrefix(hashID, "sha256:") {
		t.Fatalf("libraryID(hash) = %q", hashID)
	}
	exeName := filepath.Base(exe)
	maps := strings.Join([]string{
		"00400000-00452000 r-xp 00000000 08:02 173521 " + exe,
		"00651000-00652000 r--p 00051000 08:02 173521 " + exe,
		"7f0000000000-7f0000001000 r--p 00000000 08:02 1 " + notELF,
		"7f0000002000-7f0000003000 rw-p 00000000 00:00 0 ",
		"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]",
		"7f0000004000-7f0000005000 r--p 00000000 08:02 2 /nonexistent/libgone.so.1 (deleted)",
	}, "\n") + "\n"
	tests := []struct {
		name     string
		recorded Library
		mismatch bool
		loaded   string
	}{
		{"same build ID", Library{Soname: exeName, Path: "/elsewhere/" + exeName, BuildID: exeID}, exeID == "", exe},
		{"same hash", Library{Soname: exeName, BuildID: hashID}, false, ""},
		{"other build ID", Library{Soname: exeName, BuildID: "00112233"}, true, exe},
		{"other hash", Library{Soname: exeName, BuildID: "sha256:00"}, true, exe},
		{"not loaded", Library{Soname: "libsandboxgen-absent.so.1", BuildID: "00"}, true, ""},
		{"not ELF", Library{Soname: "libnotelf.so.1", BuildID: "00"}, true, ""},
		{"deleted", Library{Soname: "libgone.so.1", BuildID: "00"}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := compareLibraries([]Library{tt.recorded}, strings.NewReader(maps))
			if (len(got) > 0) != tt.mismatch {
				t.Fatalf("compareLibraries = %v, want a mismatch: %v", got, tt.mismatch)
			}
			if len(got) > 0 {
				if got[0].Recorded != tt.recorded || got[0].Loaded != tt.loaded {
					t.Errorf("mismatch %+v, want recorded %+v loaded %q", got[0], tt.recorded, tt.loaded)
				}
				if !strings.Contains(got[0].String(), tt.recorded.Soname) {
					t.Errorf("%q does not name %s", got[0].String(), tt.recorded.Soname)
				}
			}
		})
	}
}
