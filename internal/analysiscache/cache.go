package analysiscache

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/internal/atomicfile"
	"github.com/sandboxgen/sandboxgen/internal/elfsyscalls"
)

// EnvVar turns the cache off when set to "off" (or "0", "false", "no").
const EnvVar = "SANDBOXGEN_CACHE"

// maxEntries bounds the cache: past it, the least recently used entries go.
const maxEntries = 256

// AnalyzeFunc is the signature of analyzer.Analyze.
type AnalyzeFunc func(cfg analyzer.Config, patterns ...string) (*analyzer.Report, error)

// Cache is a directory of analysis reports.
type Cache struct {
	// Dir holds the entries, one file per key.
	Dir string
	// Version is the identity of the analysis code: entries written by
	// another version are never read. Default sets it to the build ID of
	// the running executable.
	Version string

	hits, misses atomic.Int64
}

// Dir returns the directory of the cache: os.UserCacheDir()/sandboxgen.
// It holds the analysis entries and the C analysis's own cache.
func Dir() (string, error) {
	ucd, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(ucd, "sandboxgen"), nil
}

// Off reports whether the environment turns the cache off.
func Off() bool {
	switch strings.ToLower(os.Getenv(EnvVar)) {
	case "off", "0", "false", "no":
		return true
	}
	return false
}

// Default returns the cache in Dir()/analysis for the running executable,
// or nil when the environment turns it off, there is no cache directory,
// or the executable cannot be identified.
func Default() *Cache {
	if Off() {
		return nil
	}
	dir, err := Dir()
	if err != nil {
		return nil
	}
	version, err := executableID()
	if err != nil {
		return nil
	}
	return &Cache{Dir: filepath.Join(dir, "analysis"), Version: version}
}

// Clean removes the whole cache directory (Dir) and returns its path.
func Clean() (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	return dir, os.RemoveAll(dir)
}

// Hits and Misses count the lookups of c that were served from disk and
// those that ran the analysis.
func (c *Cache) Hits() int64   { return c.hits.Load() }
func (c *Cache) Misses() int64 { return c.misses.Load() }

// Wrap returns analyze with c in front of it. A nil c returns analyze.
func (c *Cache) Wrap(analyze AnalyzeFunc) AnalyzeFunc {
	if c == nil {
		return analyze
	}
	return func(cfg analyzer.Config, patterns ...string) (*analyzer.Report, error) {
		sum, err := key(c.Version, cfg, patterns)
		if err != nil {
			c.misses.Add(1)
			return analyze(cfg, patterns...)
		}
		// The reference programs of a cross build are asked for only
		// when an entry has to be checked or written: a cold cross
		// analysis starts at once and waits for the host's only where
		// it reads it (see analyzer.Config.CgoFromLater).
		refs := func() map[string]*analyzer.Program { return cfg.CgoFrom }
		if cfg.CgoFromLater != nil {
			refs = sync.OnceValue(cfg.CgoFromLater)
			cfg.CgoFromLater = refs
		}
		name := filepath.Join(c.Dir, hex.EncodeToString(sum[:])+".json")
		if w, ok := c.read(name); ok {
			if digest, err := refsDigest(refs()); err == nil && digest == w.Refs {
				c.hits.Add(1)
				c.touch(name)
				return fromWire(w), nil
			}
		}
		c.misses.Add(1)
		rep, err := analyze(cfg, patterns...)
		if err != nil {
			return rep, err
		}
		// A file changed while the analysis ran would leave its report
		// under the key of the old content: store it only if the key
		// still holds.
		if after, err := key(c.Version, cfg, patterns); err == nil && after == sum {
			if digest, err := refsDigest(refs()); err == nil {
				// A cache that cannot be written costs time, not
				// correctness.
				_ = c.write(name, rep, digest)
			}
		}
		return rep, nil
	}
}

// read returns the entry stored in name, if there is one and the C
// libraries its report read are the same files still.
func (c *Cache) read(name string) (*wireReport, bool) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, false
	}
	var w wireReport
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, false
	}
	for _, p := range w.Programs {
		for _, lib := range p.CLibraries {
			if id, err := elfsyscalls.FileID(lib.Path); err != nil || id != lib.BuildID {
				return nil, false
			}
		}
	}
	return &w, true
}

// touch marks the entry in name used, for trimming.
func (c *Cache) touch(name string) {
	now := time.Now()
	_ = os.Chtimes(name, now, now)
}

// write stores rep, analysed with the reference programs whose digest is
// refs, in name atomically and trims the cache.
func (c *Cache) write(name string, rep *analyzer.Report, refs string) error {
	w := toWire(rep)
	w.Refs = refs
	data, err := json.Marshal(w)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(name, data); err != nil {
		return err
	}
	c.trim()
	return nil
}

// trim removes the least recently used entries past maxEntries.
func (c *Cache) trim() {
	entries, err := os.ReadDir(c.Dir)
	if err != nil || len(entries) <= maxEntries {
		return
	}
	type entry struct {
		name string
		used time.Time
	}
	var all []entry
	for _, e := range entries {
		if info, err := e.Info(); err == nil && strings.HasSuffix(e.Name(), ".json") {
			all = append(all, entry{e.Name(), info.ModTime()})
		}
	}
	slices.SortFunc(all, func(a, b entry) int { return b.used.Compare(a.used) })
	for _, e := range all[min(len(all), maxEntries):] {
		os.Remove(filepath.Join(c.Dir, e.name))
	}
}

// executableID identifies the running executable: the Go build ID, which
// changes with any change to the code linked into it, or else the hash of
// its content.
func executableID() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if f, err := elf.Open(exe); err == nil {
		defer f.Close()
		if s := f.Section(".note.go.buildid"); s != nil {
			if data, err := s.Data(); err == nil && len(data) > 16 {
				return "buildid:" + strings.TrimRight(string(data[16:]), "\x00"), nil
			}
		}
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
