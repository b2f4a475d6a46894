package selfsandbox

import (
	"path"
	"runtime"
	"strconv"
	"strings"
)

// numGoroutine is runtime.NumGoroutine; tests replace it.
var numGoroutine = runtime.NumGoroutine

// runningFallbackGoroutine returns the first of stmts that started a
// goroutine that is still running.
//
// When the caller is the only goroutine (runtime.NumGoroutine, which, like
// runtime.Stack, leaves out the runtime's own goroutines), only the caller
// itself can match. The main goroutine, where programs call Lock, was
// started by the runtime, not by a go statement: its stack's bottom frame,
// read with runtime.Callers, says so in under 1 µs. Any other caller's own
// traceback (runtime.Stack of the calling goroutine alone) stops nothing
// and takes 2–10 µs, depending on the depth of its stack
// (BenchmarkRunningFallbackGoroutine).
//
// Otherwise it reads every goroutine's traceback, which stops the world.
// BenchmarkLock measures that at 70–80 µs in Lock (fallback-ns minus lock's
// ns; fallback/bare 2.6–3.0 where lock/bare is 1.15; two goroutines, a
// loaded 2-vCPU VM), and 50–60 µs of it (stw/bare 2.3–2.5) is the stop of
// the world alone: starting the world again wakes sysmon and an idle
// thread, which a loaded machine runs late. A warm process pays as much
// (BenchmarkRunningFallbackGoroutine/all: 95–98 µs with the test binary's
// goroutines). The runtime lists goroutines only with the world stopped
// (runtime.Stack, runtime.GoroutineProfile; its list of goroutines is on
// no linkname push list), so no check here comes near 10 µs. Two cheaper
// readings were measured side by side with this one and gained nothing:
// runtime.GoroutineProfile, which formats nothing but stops the world
// twice, matching each stack's bottom frame with the functions a statement
// starts (fallback/bare 2.99–3.35 against 3.05–3.36); and a first
// traceback from Register, so that Lock finds the code and tables in
// memory (130–135 µs against 128–136 µs).
//
// The count and the traceback are not read atomically, and need not be:
// only the caller runs code of the program that could start another
// goroutine, and it is here.
func runningFallbackGoroutine(stmts []GoStatement) (GoStatement, bool) {
	if len(stmts) == 0 {
		return GoStatement{}, false
	}
	if numGoroutine() == 1 {
		if onMainGoroutine() {
			return GoStatement{}, false
		}
		return runningGoroutine(stmts, ownStack())
	}
	return runningGoroutine(stmts, allStacks())
}

// onMainGoroutine reports whether the caller runs on the main goroutine,
// the one whose stack starts in runtime.main (then runtime.goexit). A stack
// too deep to read whole says no.
func onMainGoroutine() bool {
	var pcs [128]uintptr
	n := runtime.Callers(1, pcs[:])
	if n == 0 || n == len(pcs) {
		return false
	}
	for i := n - 1; i >= max(0, n-2); i-- {
		if f := runtime.FuncForPC(pcs[i] - 1); f != nil && f.Name() == "runtime.main" {
			return true
		}
	}
	return false
}

// ownStack returns the calling goroutine's traceback, or "" when it does
// not fit in 1 MiB.
func ownStack() string {
	for n := 2 << 10; n <= 1<<20; n *= 4 {
		buf := make([]byte, n)
		if got := runtime.Stack(buf, false); got < n {
			return string(buf[:got])
		}
	}
	return ""
}

// allStacks returns the tracebacks of every goroutine, as runtime.Stack
// prints them, or "" when they do not fit in 64 MiB. It starts with 8 KiB,
// enough for a few dozen goroutines, since in a fresh process every page of
// a larger buffer is a page fault.
func allStacks() string {
	for n := 8 << 10; n <= 64<<20; n *= 4 {
		buf := make([]byte, n)
		if got := runtime.Stack(buf, true); got < n {
			return string(buf[:got])
		}
	}
	return ""
}

// runningGoroutine returns the first of stmts that started a goroutine
// listed in stacks (the text of runtime.Stack for all goroutines), matching
// the file base name and line of each "created by" frame. A goroutine is
// listed from its creation until it returns. Empty stacks (too large to
// read) count as a match on the first statement: Lock must then assume the
// worst.
func runningGoroutine(stmts []GoStatement, stacks string) (GoStatement, bool) {
	if len(stmts) == 0 {
		return GoStatement{}, false
	}
	if stacks == "" {
		return stmts[0], true
	}
	// Each "created by" line is followed by the go statement's position.
	const created = "\ncreated by "
	for rest := stacks; ; {
		i := strings.Index(rest, created)
		if i < 0 {
			return GoStatement{}, false
		}
		rest = rest[i+len(created):]
		nl := strings.IndexByte(rest, '\n')
		if nl < 0 {
			return GoStatement{}, false
		}
		pos := rest[nl+1:]
		if end := strings.IndexByte(pos, '\n'); end >= 0 {
			pos = pos[:end]
		}
		file, line, ok := frameFileLine(pos)
		if !ok {
			continue
		}
		for _, s := range stmts {
			if s.File == file && s.Line <= line && line <= max(s.EndLine, s.Line) {
				return s, true
			}
		}
	}
}

// frameFileLine parses a traceback's position line, "\t/dir/file.go:123
// +0x45", into the file's base name and the line.
func frameFileLine(l string) (string, int, bool) {
	l = strings.TrimSpace(l)
	if sp := strings.LastIndexByte(l, ' '); sp > 0 && strings.HasPrefix(l[sp+1:], "+0x") {
		l = l[:sp]
	}
	colon := strings.LastIndexByte(l, ':')
	if colon < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(l[colon+1:])
	if err != nil {
		return "", 0, false
	}
	return path.Base(l[:colon]), n, true
}
