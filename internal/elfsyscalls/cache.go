package elfsyscalls

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sandboxgen/sandboxgen/internal/atomicfile"
)

// libraryGraph returns the graph of the library at path and its identity,
// from the cache when it holds the graph of the same file.
func libraryGraph(path string, opt Options) (*graph, string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	id, err := fileID(f, path)
	if err != nil {
		return nil, "", err
	}
	var cacheFile string
	if dir := cacheDir(opt); dir != "" {
		key := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%v", id, graphVersion, f.Machine)))
		cacheFile = filepath.Join(dir, hex.EncodeToString(key[:16])+".gob")
		if g, ok := readCached(cacheFile); ok {
			return g, id, nil
		}
	}
	g, err := buildGraph(f, nil)
	if err != nil {
		return nil, "", err
	}
	if cacheFile != "" {
		// A cache that cannot be written costs time, not correctness.
		_ = writeCached(cacheFile, g)
	}
	return g, id, nil
}

// cacheDir returns the cache directory opt asks for, or "" when the
// cache is off or there is none.
func cacheDir(opt Options) string {
	if opt.NoCache {
		return ""
	}
	if opt.CacheDir != "" {
		return opt.CacheDir
	}
	if ucd, err := os.UserCacheDir(); err == nil {
		return filepath.Join(ucd, "sandboxgen", "elfsyscalls")
	}
	return ""
}

// programGraph returns the graph of the C code of the program f (the
// functions outside goText), from the cache when it holds the graph of
// the same C code: the same bytes at the same addresses, the same C
// symbols and the same dynamic relocations and symbols. A program whose Go
// code changed size has its C code elsewhere, and pays the disassembly.
func programGraph(f *elf.File, goText [2]uint64, opt Options) (*graph, error) {
	outside := func(a uint64) bool { return a < goText[0] || a >= goText[1] }
	include := func(s funcSym) bool { return outside(s.start) }
	var cacheFile string
	if dir := cacheDir(opt); dir != "" {
		h := sha256.New()
		fmt.Fprintf(h, "program\x00%d\x00%v\x00", graphVersion, f.Machine)
		for _, sec := range execSections(f) {
			data, err := sec.Data()
			if err != nil {
				return buildGraph(f, include)
			}
			fmt.Fprintf(h, "%s\x00%x\x00", sec.Name, sec.Addr)
			// The bytes before the Go code and after it.
			end := sec.Addr + uint64(len(data))
			if lo := min(max(goText[0], sec.Addr), end); lo > sec.Addr {
				h.Write(data[:lo-sec.Addr])
			}
			if hi := min(max(goText[1], sec.Addr), end); hi < end {
				h.Write(data[hi-sec.Addr:])
			}
		}
		for _, sec := range f.Sections {
			if sec.Type == elf.SHT_RELA || sec.Type == elf.SHT_DYNSYM || sec.Name == ".dynstr" {
				data, err := sec.Data()
				if err != nil {
					return buildGraph(f, include)
				}
				fmt.Fprintf(h, "%s\x00%x\x00", sec.Name, sec.Addr)
				h.Write(data)
			}
		}
		syms, _ := f.Symbols()
		for _, s := range syms {
			if t := elf.ST_TYPE(s.Info); (t == elf.STT_FUNC || t == elf.STT_GNU_IFUNC) && outside(s.Value) {
				fmt.Fprintf(h, "%s\x00%x\x00%x\x00", s.Name, s.Value, s.Size)
			}
		}
		cacheFile = filepath.Join(dir, "program-"+hex.EncodeToString(h.Sum(nil)[:16])+".gob")
		if g, ok := readCached(cacheFile); ok {
			return g, nil
		}
	}
	g, err := buildGraph(f, include)
	if err != nil {
		return nil, err
	}
	if cacheFile != "" {
		_ = writeCached(cacheFile, g)
	}
	return g, nil
}

// fileID returns the GNU build ID of f in hex, or the SHA-256 of the file
// when it has none.
func fileID(f *elf.File, path string) (string, error) {
	if s := f.Section(".note.gnu.build-id"); s != nil {
		if data, err := s.Data(); err == nil && len(data) > 16 {
			namesz := int(f.ByteOrder.Uint32(data[0:]))
			descsz := int(f.ByteOrder.Uint32(data[4:]))
			start := 12 + (namesz+3)&^3
			if start+descsz <= len(data) {
				return hex.EncodeToString(data[start : start+descsz]), nil
			}
		}
	}
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// FileID returns the identity Library.BuildID gives the ELF file at path,
// to compare a library found at run time with the one analysed.
func FileID(path string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return fileID(f, path)
}

// readCached reads a graph written by writeCached.
func readCached(name string) (*graph, bool) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, false
	}
	var g graph
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&g); err != nil || g.Version != graphVersion {
		return nil, false
	}
	return &g, true
}

// writeCached writes g to name atomically.
func writeCached(name string, g *graph) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(g); err != nil {
		return err
	}
	return atomicfile.Write(name, buf.Bytes())
}
