// Package atomicfile writes the files of sandboxgen's caches so that a
// reader sees the old file, the new one, or none, never a part: the data
// goes to a temporary file in the same directory, which is renamed over
// the name. (The generated Go files have their own writer in
// cmd/sandboxgen, which also keeps permissions and syncs.)
package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
)

// Write writes data to name, creating its directory if needed. On failure
// the temporary file is removed and name is left as it was.
func Write(name string, data []byte) error {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	if err := errors.Join(werr, tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
