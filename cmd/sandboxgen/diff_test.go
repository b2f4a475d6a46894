package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// applyDiff rebuilds the new text from the old one and a unified diff, to
// check that the diff is correct whatever hunks it chose.
func applyDiff(t *testing.T, old string, diff string) string {
	t.Helper()
	oldLines := splitLines(old)
	var out []string
	next := 0 // index into oldLines of the next line to copy
	lines := splitLines(diff)
	for i := 2; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "@@"):
			var aStart, aCount, bStart, bCount int
			if _, err := fmtSscanf(l, &aStart, &aCount, &bStart, &bCount); err != nil {
				t.Fatalf("bad hunk header %q: %v", l, err)
			}
			from := aStart - 1
			if aCount == 0 {
				from = aStart
			}
			out = append(out, oldLines[next:from]...)
			next = from
		case strings.HasPrefix(l, `\`):
			// "\ No newline at end of file": strip the previous line's newline.
			last := out[len(out)-1]
			if lines[i-1][0] == '-' {
				continue
			}
			out[len(out)-1] = strings.TrimSuffix(last, "\n")
		case l[0] == ' ':
			out = append(out, oldLines[next])
			next++
		case l[0] == '-':
			if oldLines[next] != strings.TrimSuffix(l[1:], "\n") && oldLines[next] != l[1:] {
				t.Fatalf("diff deletes %q but the old line is %q", l[1:], oldLines[next])
			}
			next++
		case l[0] == '+':
			out = append(out, l[1:])
		}
	}
	out = append(out, oldLines[next:]...)
	return strings.Join(out, "")
}

func fmtSscanf(l string, a, b, c, d *int) (int, error) {
	return fmt.Sscanf(l, "@@ -%d,%d +%d,%d @@\n", a, b, c, d)
}

func TestUnifiedDiff(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		hunks    int // expected number of @@ headers
	}{
		{"equal", "a\nb\n", "a\nb\n", 0},
		{"one line changed", "a\nb\nc\nd\ne\nf\ng\nh\ni\n", "a\nb\nc\nd\nE\nf\ng\nh\ni\n", 1},
		{"insert at start", "b\nc\n", "a\nb\nc\n", 1},
		{"delete at end", "a\nb\nc\n", "a\nb\n", 1},
		{"from empty", "", "a\nb\n", 1},
		{"to empty", "a\nb\n", "", 1},
		{"two far apart changes", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n", "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\nY\n16\n", 2},
		{"two close changes merge", "1\n2\n3\n4\n5\n6\n", "1\nX\n3\n4\nY\n6\n", 1},
		{"no final newline", "a\nb", "a\nc", 1},
		{"newline added at end", "a\nb", "a\nb\n", 1},
		{"interleaved", "a\nb\nc\nd\n", "b\nx\nd\ny\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := unifiedDiff("old", "new", []byte(tt.old), []byte(tt.new))
			if got := strings.Count(d, "\n@@ "); got != tt.hunks {
				t.Errorf("got %d hunks, want %d:\n%s", got, tt.hunks, d)
			}
			if tt.hunks == 0 {
				if d != "" {
					t.Errorf("equal texts gave a diff:\n%s", d)
				}
				return
			}
			if !strings.HasPrefix(d, "--- old\n+++ new\n") {
				t.Errorf("missing file header:\n%s", d)
			}
			if got := applyDiff(t, tt.old, d); got != tt.new {
				t.Errorf("applying the diff gives %q, want %q\n%s", got, tt.new, d)
			}
		})
	}
}

// TestUnifiedDiffGolden checks the exact output against a file from diff -u.
func TestUnifiedDiffGolden(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "diff", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	got := unifiedDiff("old.txt", "new.txt", read("old.txt"), read("new.txt"))
	if want := string(read("want.diff")); got != want {
		t.Errorf("diff differs from diff -u's\n--- got:\n%s\n--- want:\n%s", got, want)
	}
}

// TestDiffLinesMinimal checks that the script keeps a longest common
// subsequence: its kept lines equal the LCS length found by brute force.
func TestDiffLinesMinimal(t *testing.T) {
	cases := [][2]string{
		{"abcabba", "cbabac"},
		{"xaxbxcx", "abc"},
		{"aaaa", "aa"},
		{"abcdef", "fedcba"},
	}
	for _, c := range cases {
		a, b := strings.Split(c[0], ""), strings.Split(c[1], "")
		kept := 0
		for _, op := range diffLines(a, b) {
			if op.kind == ' ' {
				kept++
			}
		}
		if want := lcsLen(a, b); kept != want {
			t.Errorf("%q→%q: kept %d lines, the LCS has %d", c[0], c[1], kept, want)
		}
	}
}

func lcsLen(a, b []string) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if a[0] == b[0] {
		return 1 + lcsLen(a[1:], b[1:])
	}
	return max(lcsLen(a[1:], b), lcsLen(a, b[1:]))
}
