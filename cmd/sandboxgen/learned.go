package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// learnedFile is the file next to main that lists syscalls learned by
// running the program (sandboxgen trace -write, sandboxgen audit -write):
// what its children, or code the analysis cannot see, need. Generation
// merges it into the policy of every architecture that has the syscall.
const learnedFile = "sandbox.learned"

// learnedHeader starts every learned file sandboxgen writes; it documents
// the format for whoever reads the file in a review.
const learnedHeader = `# Syscalls this program needs that the analysis cannot see (what the programs
# it starts do under the inherited filter), learned by running it:
# sandboxgen trace -write -- ./prog, or sandboxgen audit -write after a run in
# log mode. sandboxgen merges them into the generated filter; -why NAME shows
# the executable that needs each. Check this file in; delete a line to stop
# allowing it.
#
# Format: one line per syscall and executable, "NAME EXECUTABLE # comment",
# sorted; "program" is the Go program itself; lines starting with # are
# comments. The names are the kernel's, as in -allow.
`

// learnedEntry is one line of the learned file.
type learnedEntry struct {
	Syscall string
	Exe     string
	// GOARCH is where the entry was learned; it goes into the comment of a
	// new line and is not read back.
	GOARCH  string
	Comment string
}

// readLearned reads dir's learned file; a missing file is no entries.
func readLearned(dir string) ([]learnedEntry, error) {
	path := filepath.Join(dir, learnedFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseLearned(path, data)
}

// parseLearned parses a learned file's content; path is for messages.
func parseLearned(path string, data []byte) ([]learnedEntry, error) {
	var out []learnedEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		body, comment, _ := strings.Cut(line, "#")
		fields := strings.Fields(body)
		if len(fields) < 2 {
			return nil, usageErrorf("%s:%d: %q: want \"NAME EXECUTABLE # comment\" (the syscall and the executable that needs it)", path, n, line)
		}
		name := fields[0]
		if !knownSyscall(name) {
			hint := ""
			if t, err := systable.Lookup("amd64"); err == nil {
				if c, ok := t.Closest(name); ok {
					hint = fmt.Sprintf(" (did you mean %s?)", c)
				}
			}
			return nil, usageErrorf("%s:%d: %q is no syscall on any supported architecture%s; fix or delete the line", path, n, name, hint)
		}
		out = append(out, learnedEntry{Syscall: name, Exe: strings.Join(fields[1:], " "), Comment: strings.TrimSpace(comment)})
	}
	return out, sc.Err()
}

// knownSyscall reports whether some supported architecture has name.
func knownSyscall(name string) bool {
	for _, a := range systable.Arches() {
		if t, err := systable.Lookup(a); err == nil {
			if _, ok := t.Number(name); ok {
				return true
			}
		}
	}
	return false
}

// formatLearned renders entries sorted by syscall, then executable, after
// the header: the same entries always give the same bytes.
func formatLearned(entries []learnedEntry) []byte {
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b learnedEntry) int {
		if c := strings.Compare(a.Syscall, b.Syscall); c != 0 {
			return c
		}
		return strings.Compare(a.Exe, b.Exe)
	})
	var b bytes.Buffer
	b.WriteString(learnedHeader)
	b.WriteString("\n")
	for _, e := range entries {
		if e.Comment != "" {
			fmt.Fprintf(&b, "%-20s %-24s  # %s", e.Syscall, e.Exe, e.Comment)
		} else {
			fmt.Fprintf(&b, "%-20s %s", e.Syscall, e.Exe)
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// addLearned adds the entries of found that dir's learned file lacks, and
// prints each one it adds on w (nothing is learned silently). source
// ("trace", "audit") goes into the new lines' comments.
func addLearned(dir string, found []learnedEntry, source string, w io.Writer) error {
	have, err := readLearned(dir)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, learnedFile)
	var added []learnedEntry
	for _, f := range found {
		if slices.ContainsFunc(have, func(h learnedEntry) bool { return h.Syscall == f.Syscall && h.Exe == f.Exe }) {
			continue
		}
		f.Comment = source
		if f.GOARCH != "" {
			f.Comment += " on " + f.GOARCH
		}
		have = append(have, f)
		added = append(added, f)
	}
	if len(added) == 0 {
		fmt.Fprintf(w, "%s: nothing new to learn\n", path)
		return nil
	}
	if err := writeAtomic(path, formatLearned(have)); err != nil {
		return err
	}
	for _, a := range added {
		fmt.Fprintf(w, "%s: added %s (%s)\n", path, a.Syscall, a.Exe)
	}
	fmt.Fprintf(w, "%s: %d added; regenerate (go generate) and commit the file with the generated ones\n", path, len(added))
	return nil
}

// answersErrno reports whether rules answer some call with an errno.
func answersErrno(rules []gen.Rule) bool {
	for _, r := range rules {
		const retActionFull, retErrno = 0xffff0000, 0x00050000 // SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ERRNO
		if r.Action.Ret()&retActionFull == retErrno {
			return true
		}
	}
	return false
}

// mergeLearned allows, in pol, every learned syscall table has, and
// returns the changes for the report: reason "learned: child EXE" names
// the executables that need each. A learned syscall that deny (the
// command line's -deny) removes is an error: the learned file says a
// program really makes it, and a filter must not kill it for that.
func mergeLearned(pol *gen.Policy, table *systable.Table, learned []learnedEntry, deny []string) ([]override, error) {
	exes := map[string][]string{}
	var names []string
	for _, e := range learned {
		if _, ok := table.Number(e.Syscall); !ok {
			continue
		}
		if _, ok := exes[e.Syscall]; !ok {
			names = append(names, e.Syscall)
		}
		if !slices.Contains(exes[e.Syscall], e.Exe) {
			exes[e.Syscall] = append(exes[e.Syscall], e.Exe)
		}
	}
	slices.Sort(names)
	var changes []override
	for _, name := range names {
		who := exes[name]
		slices.Sort(who)
		for i, w := range who {
			if w != "program" {
				who[i] = "child " + w
			}
		}
		reason := "learned: " + strings.Join(who, ", ") + " (" + learnedFile + ")"
		if slices.Contains(deny, name) {
			return nil, usageErrorf("-deny %s, but %s says %s needs it; delete those lines or drop %s from -deny", name, learnedFile, strings.Join(who, ", "), name)
		}
		if rules, ok := pol.Syscalls[name]; ok && len(rules) == 1 && len(rules[0].Args) == 0 && rules[0].Action == gen.Allow {
			continue // the analysis or -allow has it already
		}
		if answersErrno(pol.Syscalls[name]) {
			// An errno rule is deliberate (clone3 gets ENOSYS so that
			// callers fall back to clone, whose flags a filter can
			// check) and kills nobody: keep it.
			continue
		}
		pol.Syscalls[name] = []gen.Rule{{Action: gen.Allow}}
		changes = append(changes, override{name, "allow", reason})
	}
	return changes, nil
}
