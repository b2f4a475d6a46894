package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// outputFile is one generated file: where it goes and what it holds.
type outputFile struct {
	Path    string
	Content []byte
}

// writeAtomic replaces path with content: it writes a temporary file in the
// same directory, syncs it and renames it over path, so a reader (or a
// build) sees either the old file or the new one, never a partial file,
// and a failure leaves no file behind. An existing file's permission bits
// are kept; a new file gets 0644.
func writeAtomic(path string, content []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	perm := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s exists and is not a regular file; remove it or choose another name with -o", path)
		}
		perm = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(content); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// writeAll writes every file and then removes the obsolete ones, or, if
// one of those steps fails, puts back what it had already changed and
// returns the error: one run changes every file or none.
func writeAll(files []outputFile, obsolete []string) error {
	type saved struct {
		path    string
		content []byte // nil when the file did not exist
		mode    os.FileMode
	}
	var done []saved
	restore := func() {
		for i := len(done) - 1; i >= 0; i-- {
			s := done[i]
			if s.content == nil {
				os.Remove(s.path)
				continue
			}
			if writeAtomic(s.path, s.content) == nil {
				os.Chmod(s.path, s.mode)
			}
		}
	}
	save := func(path string) (saved, error) {
		s := saved{path: path}
		fi, err := os.Stat(path)
		if os.IsNotExist(err) {
			return s, nil
		} else if err != nil {
			return s, err
		}
		if fi.Mode().IsRegular() {
			s.content, err = os.ReadFile(path)
			if s.content == nil {
				s.content = []byte{}
			}
			s.mode = fi.Mode().Perm()
		}
		return s, err
	}
	for _, f := range files {
		s, err := save(f.Path)
		if err == nil {
			err = writeAtomic(f.Path, f.Content)
		}
		if err != nil {
			restore()
			return fmt.Errorf("writing %s: %v", f.Path, err)
		}
		done = append(done, s)
	}
	for _, path := range obsolete {
		s, err := save(path)
		if err == nil {
			err = os.Remove(path)
		}
		if err != nil {
			restore()
			return fmt.Errorf("removing %s: %v", path, err)
		}
		done = append(done, s)
	}
	return nil
}

// checkFiles compares each file's content with the file on disk and
// returns a diff per stale or missing file (empty when all are current).
func checkFiles(files []outputFile, relTo string) []string {
	var diffs []string
	for _, f := range files {
		name := f.Path
		if rel, err := filepath.Rel(relTo, f.Path); err == nil {
			name = rel
		}
		old, err := os.ReadFile(f.Path)
		if os.IsNotExist(err) {
			diffs = append(diffs, fmt.Sprintf("%s: missing; run sandboxgen (or go generate) to create it\n%s", name,
				unifiedDiff("/dev/null", name+" (generated)", nil, f.Content)))
			continue
		} else if err != nil {
			diffs = append(diffs, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		if d := unifiedDiff(name+" (on disk)", name+" (generated)", old, f.Content); d != "" {
			diffs = append(diffs, fmt.Sprintf("%s: stale; run sandboxgen (or go generate) to update it\n%s%s", name, libraryDrift(name, old, f.Content), d))
		}
	}
	return diffs
}
