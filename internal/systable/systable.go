package systable

//go:generate go run mktables.go

import (
	"fmt"
	"sort"
	"strings"
)

// Syscall is one entry of an architecture's syscall table.
type Syscall struct {
	Name string // kernel name, lower case, e.g. "epoll_pwait"
	Nr   uint32 // number the kernel sees in seccomp_data.nr
}

// Table is the syscall table of one Linux architecture.
type Table struct {
	GOARCH    string // Go's name for the architecture
	AuditArch uint32 // AUDIT_ARCH_* value the kernel reports in seccomp_data.arch
	BigEndian bool   // byte order of seccomp_data's 64-bit argument words
	// X32Bit is non-zero on amd64: numbers with this bit set belong to the
	// x32 ABI, which shares AUDIT_ARCH_X86_64 and must be blocked separately.
	X32Bit uint32

	syscalls []Syscall // sorted by number
	byName   map[string]uint32
}

// Lookup returns the table for goarch, or an error naming the supported ones.
func Lookup(goarch string) (*Table, error) {
	t, ok := tables[goarch]
	if !ok {
		return nil, fmt.Errorf("no syscall table for GOARCH=%q; supported: %s", goarch, strings.Join(Arches(), ", "))
	}
	return t, nil
}

// Arches lists the supported GOARCH values in sorted order.
func Arches() []string {
	var as []string
	for a := range tables {
		as = append(as, a)
	}
	sort.Strings(as)
	return as
}

func init() {
	for _, t := range tables {
		t.byName = make(map[string]uint32, len(t.syscalls))
		for _, s := range t.syscalls {
			t.byName[s.Name] = s.Nr
		}
	}
}

// Number returns the number of the named syscall.
func (t *Table) Number(name string) (uint32, bool) {
	nr, ok := t.byName[name]
	return nr, ok
}

// Name returns the name of syscall number nr.
func (t *Table) Name(nr uint32) (string, bool) {
	i := sort.Search(len(t.syscalls), func(i int) bool { return t.syscalls[i].Nr >= nr })
	if i < len(t.syscalls) && t.syscalls[i].Nr == nr {
		return t.syscalls[i].Name, true
	}
	return "", false
}

// Syscalls returns every syscall of the table, sorted by number. The caller
// must not modify the result.
func (t *Table) Syscalls() []Syscall { return t.syscalls }

// Closest returns the syscall name nearest to name by edit distance, for
// "did you mean" messages; ok is false when nothing is reasonably close.
func (t *Table) Closest(name string) (string, bool) {
	best, bestD := "", len(name)/2+2
	for _, s := range t.syscalls {
		if d := EditDistance(name, s.Name); d < bestD || (d == bestD && s.Name < best) {
			best, bestD = s.Name, d
		}
	}
	return best, best != ""
}

// EditDistance is the Levenshtein distance between a and b, for "did you
// mean" messages and spelling checks.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
