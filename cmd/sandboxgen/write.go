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

// writeAll writes every file, or reports the first failure. Files are
// rendered before any is written, so bad input never gets this far.
func writeAll(files []outputFile) error {
	for _, f := range files {
		if err := writeAtomic(f.Path, f.Content); err != nil {
			return fmt.Errorf("writing %s: %v", f.Path, err)
		}
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
			diffs = append(diffs, fmt.Sprintf("%s: stale; run sandboxgen (or go generate) to update it\n%s", name, d))
		}
	}
	return diffs
}
