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

// straceLine matches the syscall name of an strace -f line: "PID name(" or
// "PID <... name resumed>".
var straceLine = regexp.MustCompile(`^(?:\[pid +)?\d*\]? *(?:<\.\.\. ([a-z0-9_]+) resumed>|([a-z0-9_]+)\()`)

// afterMarker returns the syscalls (name to count) in an strace -f log from
// the first line that contains marker on. selfsandbox.Lock's first syscall,
// prctl(PR_SET_NO_NEW_PRIVS), is the marker: the fixtures call Lock first
// thing in main.
func afterMarker(log, marker string) (map[string]int, bool) {
	seen := map[string]int{}
	found := false
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !found {
			found = strings.Contains(line, marker)
			if !found {
				continue
			}
		}
		m := straceLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name := m[1]
		if name == "" {
			name = m[2]
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
	seen, ok := afterMarker(string(log), "PR_SET_NO_NEW_PRIVS")
	if !ok {
		t.Fatalf("strace log of %s has no prctl(PR_SET_NO_NEW_PRIVS): did main call selfsandbox.Lock first?", bin)
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
	cases := []struct {
		marker string
		want   map[string]int
		found  bool
	}{
		{"PR_SET_NO_NEW_PRIVS", map[string]int{"prctl": 1, "seccomp": 1, "futex": 1, "openat": 1, "read": 1}, true},
		{"openat(", map[string]int{"openat": 1, "read": 1}, true},
		{"no such marker", map[string]int{}, false},
	}
	for _, c := range cases {
		got, found := afterMarker(log, c.marker)
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
