package main

import (
	"fmt"
	"strings"
)

// maxDiffCells bounds the table of the line diff (lines of the old middle
// times lines of the new middle, after the common prefix and suffix are
// cut). Past it the diff shows the whole middle as replaced: still correct,
// only less minimal.
const maxDiffCells = 4 << 20

// diffContext is how many unchanged lines surround each hunk.
const diffContext = 3

// unifiedDiff returns a unified diff from oldText (named oldName) to
// newText (newName), or "" when they are equal.
func unifiedDiff(oldName, newName string, oldText, newText []byte) string {
	if string(oldText) == string(newText) {
		return ""
	}
	a, b := splitLines(string(oldText)), splitLines(string(newText))
	ops := diffLines(a, b)

	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", oldName, newName)
	// Group the edit script into hunks with diffContext lines around
	// each change.
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-diffContext, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			// Run of unchanged lines: does another change follow
			// within 2*diffContext?
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*diffContext {
				end = min(end+diffContext, len(ops))
				break
			}
			end = run
		}
		writeHunk(&sb, ops[start:end])
		i = end
	}
	return sb.String()
}

// diffOp is one line of an edit script: kind ' ' (kept), '-' (only in the
// old text) or '+' (only in the new text), with its 1-based line numbers.
type diffOp struct {
	kind       byte
	line       string
	aLine, bLn int
}

func writeHunk(sb *strings.Builder, ops []diffOp) {
	var aStart, bStart, aCount, bCount int
	for _, op := range ops {
		if op.kind != '+' {
			if aCount == 0 {
				aStart = op.aLine
			}
			aCount++
		}
		if op.kind != '-' {
			if bCount == 0 {
				bStart = op.bLn
			}
			bCount++
		}
	}
	// A hunk with no lines on one side names the line before it.
	if aCount == 0 {
		aStart = ops[0].aLine - 1
	}
	if bCount == 0 {
		bStart = ops[0].bLn - 1
	}
	fmt.Fprintf(sb, "@@ -%d,%d +%d,%d @@\n", aStart, aCount, bStart, bCount)
	for _, op := range ops {
		sb.WriteByte(op.kind)
		sb.WriteString(op.line)
		if !strings.HasSuffix(op.line, "\n") {
			sb.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// splitLines splits s after each newline; the last line may lack one.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// diffLines returns an edit script turning a into b: a longest common
// subsequence of lines is kept, the rest deleted or inserted. Removed lines
// come before added ones within a change, as diff -u prints them.
func diffLines(a, b []string) []diffOp {
	// Common prefix and suffix first: generated files usually differ in a
	// few places, which keeps the table small.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	am, bm := a[pre:len(a)-suf], b[pre:len(b)-suf]

	var ops []diffOp
	ai, bi := 0, 0 // lines emitted so far from a and b
	keep := func(line string) {
		ai++
		bi++
		ops = append(ops, diffOp{' ', line, ai, bi})
	}
	del := func(line string) {
		ai++
		ops = append(ops, diffOp{'-', line, ai, bi + 1})
	}
	add := func(line string) {
		bi++
		ops = append(ops, diffOp{'+', line, ai + 1, bi})
	}
	for _, l := range a[:pre] {
		keep(l)
	}
	if len(am)*len(bm) > maxDiffCells {
		for _, l := range am {
			del(l)
		}
		for _, l := range bm {
			add(l)
		}
	} else {
		// lcs[i][j] is the LCS length of am[i:] and bm[j:].
		n, m := len(am), len(bm)
		lcs := make([][]int32, n+1)
		for i := range lcs {
			lcs[i] = make([]int32, m+1)
		}
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				if am[i] == bm[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		var pendingAdd []string
		flush := func() {
			for _, l := range pendingAdd {
				add(l)
			}
			pendingAdd = pendingAdd[:0]
		}
		for i < n || j < m {
			switch {
			case i < n && j < m && am[i] == bm[j]:
				flush()
				keep(am[i])
				i++
				j++
			case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
				pendingAdd = append(pendingAdd, bm[j])
				j++
			default:
				del(am[i])
				i++
			}
		}
		flush()
	}
	for _, l := range a[len(a)-suf:] {
		keep(l)
	}
	return ops
}
