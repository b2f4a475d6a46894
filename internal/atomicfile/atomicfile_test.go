package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "sub", "entry")
	for _, want := range []string{"first", "second, longer"} {
		if err := Write(name, []byte(want)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil || string(got) != want {
			t.Fatalf("read back %q (%v), want %q", got, err, want)
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "sub"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("directory holds %v (%v), want only the file: no temporary file left", entries, err)
	}
	// A name that is a directory cannot be replaced: an error, and no
	// temporary file stays behind.
	if err := Write(filepath.Join(dir, "sub"), []byte("x")); err == nil {
		t.Error("writing over a directory succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("a failed write left %v", entries)
	}
}
