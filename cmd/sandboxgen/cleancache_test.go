package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCleanCache(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	entry := filepath.Join(home, "sandboxgen", "analysis", "entry.json")
	if err := os.MkdirAll(filepath.Dir(entry), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(entry, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args       []string
		wantStatus int
		wantOut    string
		wantGone   bool
	}{
		{[]string{"-clean-cache", "./..."}, exitBadInput, "takes no other argument", false},
		{[]string{"-clean-cache"}, exitOK, "removed " + filepath.Join(home, "sandboxgen"), true},
	}
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		status := run(tt.args, &stdout, &stderr)
		if status != tt.wantStatus || !strings.Contains(stdout.String()+stderr.String(), tt.wantOut) {
			t.Errorf("sandboxgen %v: status %d, output %q %q; want %d and %q", tt.args, status, stdout.String(), stderr.String(), tt.wantStatus, tt.wantOut)
		}
		if _, err := os.Stat(entry); os.IsNotExist(err) != tt.wantGone {
			t.Errorf("sandboxgen %v: cache entry gone = %v, want %v", tt.args, os.IsNotExist(err), tt.wantGone)
		}
	}
}

func TestHelpDocumentsCache(t *testing.T) {
	var out strings.Builder
	if _, err := parseOptions([]string{"-h"}, &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h gave %v, want flag.ErrHelp", err)
	}
	for _, s := range []string{"SANDBOXGEN_CACHE=off", "-clean-cache"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("-h does not mention %s", s)
		}
	}
}
