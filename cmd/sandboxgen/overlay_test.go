package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedOverlay: the analysis reads the package's generated files
// as an empty package main and every other file as it is, so that a run
// with the files sees the same program as the first run without them.
func TestGeneratedOverlay(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"main.go":                "package main\n\nfunc main() {}\n",
		"sandbox_linux_amd64.go": generatedHeader + "\n//go:build linux && amd64\n\npackage main\n\nfunc init() {}\n",
		"custom_arm64.go":        generatedHeader + "\n//go:build linux && arm64\n\npackage main\n",
		"notes.go":               "package main\n\n// mentions nothing generated\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := generatedOverlay([]string{dir})
	if len(got) != 2 {
		t.Fatalf("overlay %v, want the two generated files", got)
	}
	for _, name := range []string{"sandbox_linux_amd64.go", "custom_arm64.go"} {
		if string(got[filepath.Join(dir, name)]) != "package main\n" {
			t.Errorf("%s: overlay %q, want an empty package main", name, got[filepath.Join(dir, name)])
		}
	}
	if got := generatedOverlay([]string{t.TempDir()}); got != nil {
		t.Errorf("a directory without generated files gives overlay %v", got)
	}
}
