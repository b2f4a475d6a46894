package selfsandbox

import (
	"fmt"
	"slices"
	"strings"
)

// Drop narrows the installed filter: after it returns nil, the named system
// calls, which the locked program allowed, are denied like every other
// denied call (with the mode's action). Use it when a phase of the program
// is over, e.g. drop "socket", "bind" and "listen" once the listener exists.
//
// Drop stacks a second, small filter on every thread (SECCOMP_FILTER_FLAG_TSYNC):
// the architecture check, then the dropped numbers, else allow. The kernel
// runs every stacked filter and the strictest answer wins, so Drop can only
// take permissions away. Names are kernel names as in the program's Allowed
// list ("newfstatat", not "fstatat"). Every name is checked before anything
// is installed: a name the program does not allow returns an error wrapping
// ErrNotAllowed and drops nothing. Drop before Lock returns ErrNotLocked.
// Names already dropped are skipped. Each call costs a filter, and the
// kernel caps the instructions of all stacked filters at 32768, so drop in
// few calls.
//
// After Lock, Drop runs under the locked filter and needs seccomp(2) itself
// (and nothing else): the program must allow it, as sandboxgen's does when
// the main package calls Drop. If it does not, Drop returns an error
// wrapping ErrNotAllowed instead of making the call.
func Drop(names ...string) error {
	state.mu.Lock()
	defer state.mu.Unlock()
	if err := sys.supported(); err != nil {
		return err
	}
	if !state.locked {
		return fmt.Errorf("selfsandbox: Drop(%s) before Lock: %w", strings.Join(names, ", "), ErrNotLocked)
	}
	allowed := make(map[string]uint32, len(state.prog.Allowed))
	for _, s := range state.prog.Allowed {
		allowed[s.Name] = s.Nr
	}
	var nrs []uint32
	var newNames []string
	for _, name := range names {
		nr, ok := allowed[name]
		if !ok {
			return fmt.Errorf("selfsandbox: Drop: %q is not allowed by the program for %s%s: %w",
				name, state.prog.Arch, didYouMean(name, state.prog.Allowed), ErrNotAllowed)
		}
		if slices.Contains(state.dropped, name) || slices.Contains(newNames, name) {
			continue
		}
		newNames = append(newNames, name)
		nrs = append(nrs, nr)
	}
	if len(nrs) == 0 {
		return nil
	}
	if _, ok := allowed["seccomp"]; !ok {
		// Without this check Drop's own seccomp(2) would be denied, and
		// in enforce mode kill the process.
		return fmt.Errorf("selfsandbox: Drop(%s): the program for %s does not allow seccomp(2), which Drop needs after Lock "+
			"to add its filter; regenerate it with sandboxgen from a main package that calls Drop: %w",
			strings.Join(names, ", "), state.prog.Arch, ErrNotAllowed)
	}
	if err := sys.stack(dropFilter(state.prog.AuditArch, nrs, state.deny), state.deny); err != nil {
		return err
	}
	state.dropped = append(state.dropped, newNames...)
	return nil
}

// dropFilter builds the filter Drop stacks: a foreign architecture is left
// to the locked program (which denies it), each dropped number returns deny,
// anything else is allowed. It only loads the number and architecture and
// compares constants, so the kernel's per-number action cache still covers
// the calls it allows. Each number gets its own two-instruction test, so no
// jump is longer than one instruction, whatever the number of names.
func dropFilter(auditArch uint32, nrs []uint32, deny uint32) []Instruction {
	const (
		offNr   = 0 // offsetof(struct seccomp_data, nr)
		offArch = 4 // offsetof(struct seccomp_data, arch)
	)
	insns := []Instruction{
		{Code: bpfLD | bpfW | bpfABS, K: offArch},
		{Code: bpfJMP | bpfJEQ | bpfK, Jt: 1, K: auditArch},
		{Code: bpfRET | bpfK, K: retAllow},
		{Code: bpfLD | bpfW | bpfABS, K: offNr},
	}
	for _, nr := range nrs {
		insns = append(insns,
			Instruction{Code: bpfJMP | bpfJEQ | bpfK, Jf: 1, K: nr},
			Instruction{Code: bpfRET | bpfK, K: deny})
	}
	return append(insns, Instruction{Code: bpfRET | bpfK, K: retAllow})
}

// didYouMean suggests the allowed name closest to name, if one is close.
func didYouMean(name string, allowed []Syscall) string {
	best, bestD := "", len(name)/2+1
	for _, s := range allowed {
		if d := editDistance(name, s.Name); d < bestD {
			best, bestD = s.Name, d
		}
	}
	if best == "" {
		return " (a typo, or the program denies it already)"
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the optimal-string-alignment distance: insertions,
// deletions, substitutions and transpositions of neighbours each cost 1,
// so that the common typo "unmae" is closer to "uname" than to "munmap".
func editDistance(a, b string) int {
	// rows[i][j] is the distance between a[:i] and b[:j].
	rows := make([][]int, len(a)+1)
	for i := range rows {
		rows[i] = make([]int, len(b)+1)
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, rows[i-2][j-2]+1)
			}
			rows[i][j] = d
		}
	}
	return rows[len(a)][len(b)]
}
