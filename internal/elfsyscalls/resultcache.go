package elfsyscalls

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"

	"github.com/sandboxgen/sandboxgen/internal/atomicfile"
)

// resultVersion changes whenever the meaning of a cached Result changes
// (with graphVersion, which changes the graphs a Result comes from).
const resultVersion = 1

// cachedResult is a Result as StoreResult writes it.
type cachedResult struct {
	Version, GraphVersion int
	Result                Result
}

// resultFile is the cache file of the Result stored under key.
func resultFile(key string, opt Options) string {
	dir := cacheDir(opt)
	if dir == "" || key == "" {
		return ""
	}
	h := sha256.Sum256([]byte(key))
	return filepath.Join(dir, "result-"+hex.EncodeToString(h[:16])+".gob")
}

// StoreResult caches res under key, which must identify everything the
// analysis of the program's C code depends on other than the libraries
// (the program's C objects and how it is linked: the caller's build
// inputs). A cache that cannot be written costs time, not correctness, so
// callers may ignore the error.
func StoreResult(key string, res *Result, opt Options) error {
	name := resultFile(key, opt)
	if name == "" {
		return nil
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(cachedResult{Version: resultVersion, GraphVersion: graphVersion, Result: *res}); err != nil {
		return err
	}
	return atomicfile.Write(name, buf.Bytes())
}

// LoadResult returns the Result StoreResult cached under key when the
// libraries it read are still what the loader would load: each file is
// where it was with the same identity, and no file of the same soname has
// appeared in a directory the loader searches before it. Otherwise it
// reports false, and the caller analyses the program again.
func LoadResult(key string, opt Options) (*Result, bool) {
	name := resultFile(key, opt)
	if name == "" {
		return nil, false
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, false
	}
	var c cachedResult
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&c); err != nil || c.Version != resultVersion || c.GraphVersion != graphVersion {
		return nil, false
	}
	if !librariesCurrent(c.Result.Libraries) {
		return nil, false
	}
	return &c.Result, true
}

// librariesCurrent reports whether each library is still the file the
// loader would find: the same identity at the same path, and no other file
// of its soname in a system directory searched before its own. A library
// found through the program's DT_RUNPATH (a directory outside the system
// list) is checked by identity only; its run path comes from the
// program's link flags, which the caller's key covers.
func librariesCurrent(libs []Library) bool {
	system := append(ldSoConf("/etc/ld.so.conf", 0), defaultDirs...)
	for _, l := range libs {
		id, err := FileID(l.Path)
		if err != nil || id != l.BuildID {
			return false
		}
		at := slices.Index(system, filepath.Dir(l.Path))
		if at < 0 {
			continue // found through a run path
		}
		for _, d := range system[:at] {
			p := filepath.Join(d, l.Soname)
			if _, err := os.Stat(p); err == nil && !sameFile(p, l.Path) {
				return false
			}
		}
	}
	return true
}

// sameFile reports whether two paths name one file (through symbolic
// links or a merged /usr, /lib → usr/lib).
func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}
