package selfsandbox

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// EnvRequireSameLibraries, set to 1 (and Options.IgnoreEnv unset), makes
// Lock refuse with a *LibraryMismatchError when a shared library the
// process loaded is not the one the analysis read, as
// Options.RequireSameLibraries does. The variable can only make Lock
// stricter.
const EnvRequireSameLibraries = "SELFSANDBOX_REQUIRE_SAME_LIBRARIES"

// Library identifies a shared library whose code sandboxgen's analysis of
// the program's C code read: the allow-list covers what that file's code
// can call. Another machine may load another file under the same name.
type Library struct {
	// Soname is the name the program (or another library) asks the
	// loader for, e.g. "libc.so.6".
	Soname string
	// Path is the file the analysis read, on the machine that ran it.
	Path string
	// BuildID is the file's GNU build ID in hex, or "sha256:<hex>" of its
	// content when it has none.
	BuildID string
}

// LibraryMismatch is a library a program records that the running process
// did not load as analysed: another file (another build ID) under its
// soname, or none.
type LibraryMismatch struct {
	// Recorded is the library as the analysis read it.
	Recorded Library
	// Loaded is the path of the mapped file with the recorded soname, ""
	// when the process has none mapped.
	Loaded string
	// LoadedBuildID is the loaded file's identity in the form of
	// Library.BuildID, "" when it could not be read.
	LoadedBuildID string
}

func (m LibraryMismatch) String() string {
	if m.Loaded == "" {
		return fmt.Sprintf("%s: the analysis read %s (build ID %s), but no library of that name is loaded", m.Recorded.Soname, m.Recorded.Path, m.Recorded.BuildID)
	}
	if m.LoadedBuildID == "" {
		return fmt.Sprintf("%s: the analysis read %s (build ID %s), but the identity of the loaded %s could not be read", m.Recorded.Soname, m.Recorded.Path, m.Recorded.BuildID, m.Loaded)
	}
	return fmt.Sprintf("%s: the analysis read %s (build ID %s), but %s (build ID %s) is loaded", m.Recorded.Soname, m.Recorded.Path, m.Recorded.BuildID, m.Loaded, m.LoadedBuildID)
}

// LibraryMismatchError is returned by Lock, when Options.RequireSameLibraries
// (or SELFSANDBOX_REQUIRE_SAME_LIBRARIES=1) asks for it, if a shared
// library the process loaded is not the one sandboxgen analysed: its code
// may make a system call the allow-list lacks. Nothing was installed.
// Regenerate the program on a machine with the libraries the binary runs
// with (or build it statically).
type LibraryMismatchError struct {
	Mismatches []LibraryMismatch
}

func (e *LibraryMismatchError) Error() string {
	var parts []string
	for _, m := range e.Mismatches {
		parts = append(parts, m.String())
	}
	return "selfsandbox: the shared libraries loaded are not the ones the seccomp program's analysis read, so their C code may make system calls the allow-list lacks: " +
		strings.Join(parts, "; ") + "; run `go generate` (sandboxgen) where the binary runs, or unset Options.RequireSameLibraries and " + EnvRequireSameLibraries
}

// compareLibraries returns the recorded libraries that the process whose
// memory map is maps did not load as analysed. It reads the soname and
// build ID of each mapped ELF file from the file's program headers (a few
// small reads a file), and hashes a file only when its recorded identity
// is a hash.
func compareLibraries(recorded []Library, maps io.Reader) []LibraryMismatch {
	bySoname := map[string]string{} // soname → mapped path
	seen := map[string]bool{}
	sc := bufio.NewScanner(maps)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		// address perms offset dev inode path
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || !strings.HasPrefix(fields[5], "/") || len(fields) > 6 {
			continue // anonymous, [heap], or a name with spaces or " (deleted)"
		}
		path := fields[5]
		if seen[path] {
			continue
		}
		seen[path] = true
		soname, ok := elfSoname(path)
		if !ok {
			continue // not an ELF file we can read
		}
		if soname == "" {
			// The loader knows a library without DT_SONAME by its file
			// name.
			soname = filepath.Base(path)
		}
		if _, dup := bySoname[soname]; !dup {
			bySoname[soname] = path
		}
	}
	var out []LibraryMismatch
	for _, r := range recorded {
		path, ok := bySoname[r.Soname]
		if !ok {
			out = append(out, LibraryMismatch{Recorded: r})
			continue
		}
		id := libraryID(path, strings.HasPrefix(r.BuildID, "sha256:"))
		if id != r.BuildID {
			out = append(out, LibraryMismatch{Recorded: r, Loaded: path, LoadedBuildID: id})
		}
	}
	return out
}

// elf64 is what elfSoname and libraryID read of a 64-bit little-endian
// ELF file: the architectures selfsandbox supports.
type elf64 struct {
	f     *os.File
	phdrs []elfPhdr
	// shoff, shentsize and shnum locate the section headers.
	shoff            uint64
	shentsize, shnum int
}

type elfPhdr struct {
	typ                uint32
	off, vaddr, filesz uint64
}

const (
	ptLoad    = 1
	ptDynamic = 2
	ptNote    = 4
	dtNull    = 0
	dtStrtab  = 5
	dtSoname  = 14
	ntGNUID   = 3
)

// openELF64 opens path and reads its program headers.
func openELF64(path string) (*elf64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	var h [64]byte
	if _, err := f.ReadAt(h[:], 0); err != nil || string(h[:4]) != "\x7fELF" || h[4] != 2 || h[5] != 1 {
		f.Close()
		return nil, false
	}
	le := binary.LittleEndian
	phoff, phentsize, phnum := le.Uint64(h[32:]), int(le.Uint16(h[54:])), int(le.Uint16(h[56:]))
	if phentsize < 56 || phnum == 0 || phnum > 256 {
		f.Close()
		return nil, false
	}
	buf := make([]byte, phentsize*phnum)
	if _, err := f.ReadAt(buf, int64(phoff)); err != nil {
		f.Close()
		return nil, false
	}
	e := &elf64{f: f, shoff: le.Uint64(h[40:]), shentsize: int(le.Uint16(h[58:])), shnum: int(le.Uint16(h[60:]))}
	for i := range phnum {
		p := buf[i*phentsize:]
		e.phdrs = append(e.phdrs, elfPhdr{typ: le.Uint32(p[0:]), off: le.Uint64(p[8:]), vaddr: le.Uint64(p[16:]), filesz: le.Uint64(p[32:])})
	}
	return e, true
}

// segment reads the file bytes of ph, at most limit of them.
func (e *elf64) segment(ph elfPhdr, limit uint64) ([]byte, bool) {
	n := min(ph.filesz, limit)
	buf := make([]byte, n)
	if _, err := e.f.ReadAt(buf, int64(ph.off)); err != nil {
		return nil, false
	}
	return buf, true
}

// fileOffset converts a virtual address to a file offset through the
// PT_LOAD segments.
func (e *elf64) fileOffset(vaddr uint64) (uint64, bool) {
	for _, p := range e.phdrs {
		if p.typ == ptLoad && vaddr >= p.vaddr && vaddr < p.vaddr+p.filesz {
			return vaddr - p.vaddr + p.off, true
		}
	}
	return 0, false
}

// elfSoname returns the DT_SONAME of the ELF file at path ("" when it has
// none, as an executable), and false when path is not a readable 64-bit
// little-endian ELF file.
func elfSoname(path string) (string, bool) {
	e, ok := openELF64(path)
	if !ok {
		return "", false
	}
	defer e.f.Close()
	le := binary.LittleEndian
	for _, p := range e.phdrs {
		if p.typ != ptDynamic {
			continue
		}
		dyn, ok := e.segment(p, 64<<10)
		if !ok {
			return "", true
		}
		var strtab, soname uint64
		hasSoname := false
		for i := 0; i+16 <= len(dyn); i += 16 {
			tag, val := le.Uint64(dyn[i:]), le.Uint64(dyn[i+8:])
			switch tag {
			case dtNull:
				i = len(dyn)
			case dtStrtab:
				strtab = val
			case dtSoname:
				soname, hasSoname = val, true
			}
		}
		if !hasSoname {
			return "", true
		}
		off, ok := e.fileOffset(strtab)
		if !ok {
			return "", true
		}
		var name [256]byte
		n, _ := e.f.ReadAt(name[:], int64(off+soname))
		if i := bytes.IndexByte(name[:n], 0); i >= 0 {
			return string(name[:i]), true
		}
		return "", true
	}
	return "", true
}

// libraryID returns the identity of the ELF file at path in the form of
// Library.BuildID: its GNU build ID from a PT_NOTE segment or, when it has
// none or hash is set, "sha256:" and the hash of the file. It returns ""
// when the file cannot be read.
func libraryID(path string, hash bool) string {
	if !hash {
		e, ok := openELF64(path)
		if !ok {
			return ""
		}
		defer e.f.Close()
		if id := e.buildID(); id != "" {
			return id
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// buildID returns the GNU build ID of e in hex, "" if it has none. A
// library linked by the C toolchain has it in a PT_NOTE segment; the Go
// linker leaves it out of the segments, so the note sections are read
// next.
func (e *elf64) buildID() string {
	for _, p := range e.phdrs {
		if p.typ != ptNote {
			continue
		}
		if notes, ok := e.segment(p, 64<<10); ok {
			if id := gnuBuildID(notes); id != "" {
				return id
			}
		}
	}
	const shtNote = 7
	if e.shentsize < 64 || e.shnum == 0 || e.shnum > 4096 {
		return ""
	}
	buf := make([]byte, e.shentsize*e.shnum)
	if _, err := e.f.ReadAt(buf, int64(e.shoff)); err != nil {
		return ""
	}
	le := binary.LittleEndian
	for i := range e.shnum {
		sh := buf[i*e.shentsize:]
		if le.Uint32(sh[4:]) != shtNote {
			continue
		}
		if notes, ok := e.segment(elfPhdr{off: le.Uint64(sh[24:]), filesz: le.Uint64(sh[32:])}, 64<<10); ok {
			if id := gnuBuildID(notes); id != "" {
				return id
			}
		}
	}
	return ""
}

// gnuBuildID returns the NT_GNU_BUILD_ID note among notes in hex.
func gnuBuildID(notes []byte) string {
	le := binary.LittleEndian
	for len(notes) >= 12 {
		namesz, descsz, typ := le.Uint32(notes[0:]), le.Uint32(notes[4:]), le.Uint32(notes[8:])
		name := 12 + int(namesz+3)&^3
		end := name + int(descsz+3)&^3
		if end > len(notes) || name+int(descsz) > len(notes) {
			return ""
		}
		if typ == ntGNUID && namesz == 4 && string(notes[12:15]) == "GNU" {
			return hex.EncodeToString(notes[name : name+int(descsz)])
		}
		notes = notes[end:]
	}
	return ""
}
