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
	if !opt.NoCache {
		dir := opt.CacheDir
		if dir == "" {
			if ucd, err := os.UserCacheDir(); err == nil {
				dir = filepath.Join(ucd, "sandboxgen", "elfsyscalls")
			}
		}
		if dir != "" {
			key := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%v", id, graphVersion, f.Machine)))
			cacheFile = filepath.Join(dir, hex.EncodeToString(key[:16])+".gob")
			if g, ok := readCached(cacheFile); ok {
				return g, id, nil
			}
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
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".graph-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), name)
}
