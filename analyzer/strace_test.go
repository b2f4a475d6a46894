package analyzer

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// straceLine matches an strace -f line: the pid, then the syscall name of
// "PID <... name resumed>" or of "PID name(".
var straceLine = regexp.MustCompile(`^(?:\[pid +)?(\d*)\]? *(?:<\.\.\. ([a-z0-9_]+) resumed>|([a-z0-9_]+)\()`)

// lockMarker is what the strace line of the seccomp call that installs the
// filter contains: the syscalls after it run under the filter.
const lockMarker = "SECCOMP_SET_MODE_FILTER"

// afterMarker returns the syscalls (name to count) in an strace -f log after
// the first line that contains marker. The marker line itself is not
// counted, nor the line that ends the same call when strace split it
// ("<... name resumed>" from the same pid): with lockMarker, that call is
// the one that installs the filter. A line of another thread that resumes a
// call started before the marker is counted (the check is stricter, not
// looser).
func afterMarker(log, marker string) (map[string]int, bool) {
	seen := map[string]int{}
	found := false
	var markerPid, markerCall string
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		m := straceLine.FindStringSubmatch(line)
		if !found {
			found = strings.Contains(line, marker)
			if found && m != nil && strings.Contains(line, "<unfinished") {
				markerPid, markerCall = m[1], m[3]
			}
			continue
		}
		if m == nil {
			continue
		}
		name := m[2]
		if name == "" {
			name = m[3]
		} else if markerCall != "" && m[1] == markerPid && name == markerCall {
			markerCall = "" // the marker call's own end
			continue
		}
		seen[name]++
	}
	return seen, found
}

// straceRun runs bin under strace -f and returns the syscalls it made after
// the marker.
func straceRun(t *testing.T, bin string, env []string, args ...string) map[string]int {
	t.Helper()
	logFile := filepath.Join(t.TempDir(), "strace.log")
	cmd := exec.Command("strace", append([]string{"-f", "-qq", "-o", logFile, bin}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		// A killed tracee makes strace fail too; the log still says
		// what it did, so only report.
		t.Logf("strace %s: %v\n%s", bin, err, out)
	}
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	seen, ok := afterMarker(string(log), lockMarker)
	if !ok {
		t.Fatalf("strace log of %s has no seccomp(%s): did main call selfsandbox.Lock?", bin, lockMarker)
	}
	return seen
}

// missing returns the syscalls in seen that prog does not allow, sorted.
func missing(prog *Program, seen map[string]int) []string {
	var out []string
	for name := range seen {
		if _, ok := prog.Need(name); !ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func TestAfterMarker(t *testing.T) {
	log := `100 execve("/x", ["/x"], 0x7ffd /* 1 vars */) = 0
100 arch_prctl(ARCH_SET_FS, 0x5d8a0) = 0
101 futex(0x1, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>
100 prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) = 0
100 seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, {len=80, filter=0x1}) = 0
101 <... futex resumed>)                = 0
102 openat(AT_FDCWD, "/tmp/a", O_RDONLY|O_CLOEXEC) = 3
[pid   103] read(3, "x", 1) = 1
100 +++ exited with 0 +++
`
	split := `100 prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) = 0
100 seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, {len=80, filter=0x1} <unfinished ...>
101 futex(0x1, FUTEX_WAKE_PRIVATE, 1) = 0
100 <... seccomp resumed>)                = 0
100 seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, {len=9, filter=0x2}) = 0
101 <... seccomp resumed>)                = 0
`
	cases := []struct {
		log, marker string
		want        map[string]int
		found       bool
	}{
		{log, "PR_SET_NO_NEW_PRIVS", map[string]int{"seccomp": 1, "futex": 1, "openat": 1, "read": 1}, true},
		{log, lockMarker, map[string]int{"futex": 1, "openat": 1, "read": 1}, true},
		{log, "openat(", map[string]int{"read": 1}, true},
		{log, "no such marker", map[string]int{}, false},
		// The marker call's own end is skipped once, only for its pid;
		// a later seccomp (Drop) and another thread's count.
		{split, lockMarker, map[string]int{"futex": 1, "seccomp": 2}, true},
	}
	for _, c := range cases {
		got, found := afterMarker(c.log, c.marker)
		if found != c.found || !equalCounts(got, c.want) {
			t.Errorf("afterMarker(%q) = %v, %v; want %v, %v", c.marker, got, found, c.want, c.found)
		}
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
