package elfsyscalls

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestResultCache: a stored Result comes back under its key, equal, while
// its libraries are the same files; not under another key, not when a
// library's identity changed or its file is gone, and not from a damaged
// entry.
func TestResultCache(t *testing.T) {
	bin := compileC(t, "work.c")
	dir := t.TempDir()
	opt := Options{CacheDir: dir}
	res, err := Analyze(bin, Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Libraries) == 0 {
		t.Fatal("work.c links no library")
	}
	if _, ok := LoadResult("k1", opt); ok {
		t.Fatal("a result before any was stored")
	}
	if err := StoreResult("k1", res, opt); err != nil {
		t.Fatal(err)
	}
	got, ok := LoadResult("k1", opt)
	if !ok || !reflect.DeepEqual(got, res) {
		t.Fatalf("LoadResult(k1) = %v, %v; want the stored result", ok, got)
	}
	if _, ok := LoadResult("k2", opt); ok {
		t.Error("a result under another key")
	}

	// A copy of the first library, recorded under its own path: current
	// while the copy is unchanged.
	lib := res.Libraries[0]
	data, err := os.ReadFile(lib.Path)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), lib.Soname)
	if err := os.WriteFile(copyPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	moved := *res
	moved.Libraries = append([]Library{{Soname: lib.Soname, Path: copyPath, BuildID: lib.BuildID}}, res.Libraries[1:]...)
	tests := []struct {
		name   string
		change func()
		want   bool
	}{
		{"unchanged", func() {}, true},
		{"other identity", func() { moved.Libraries[0].BuildID = "00" }, false},
		{"file gone", func() { os.Remove(copyPath) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.change()
			if err := StoreResult("moved", &moved, opt); err != nil {
				t.Fatal(err)
			}
			if _, ok := LoadResult("moved", opt); ok != tt.want {
				t.Errorf("LoadResult = %v, want %v", ok, tt.want)
			}
		})
	}

	if err := os.WriteFile(resultFile("k1", opt), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := LoadResult("k1", opt); ok {
		t.Error("a damaged entry was trusted")
	}
}
