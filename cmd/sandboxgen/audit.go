package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/sandboxgen/sandboxgen/internal/auditlog"
)

const auditUsage = `usage: sandboxgen audit [flags] [FILE|-]

audit reads the kernel's seccomp audit records (type=1326: what a filter
in log mode let through, and what it killed, trapped or failed) and prints,
per executable and architecture, the syscall names, the filter's action,
how often, and the -allow line that would admit them.

It reads FILE, or standard input for "-" or when standard input is not a
terminal (dmesg | sandboxgen audit, journalctl -k | sandboxgen audit,
sandboxgen audit /var/log/audit/audit.log). With no argument and a terminal
(or /dev/null) on standard input it reads the kernel log itself (/dev/kmsg,
as dmesg does: root or kernel.dmesg_restrict=0).

The kernel rate-limits these records (about 10 every 5 seconds), so a busy
program's log may miss some: allow what audit names, run again, and repeat
until audit reports nothing new.

Flags:
`

// auditOptions are audit's command line.
type auditOptions struct {
	json  bool
	exe   string
	write bool
	pkg   string
	input string
}

func runAudit(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var o auditOptions
	fs := flag.NewFlagSet("sandboxgen audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.json, "json", false, "print the summary as JSON")
	fs.StringVar(&o.exe, "exe", "", "only records of this `executable` (a full path, or a base name)")
	fs.BoolVar(&o.write, "write", false, "add what the records name to the main package's "+learnedFile+" (see -pkg),\nwhich the next generation merges; prints what it adds")
	fs.StringVar(&o.pkg, "pkg", ".", "`directory` of the main package whose "+learnedFile+" -write adds to")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), auditUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitBadInput
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "sandboxgen audit: give at most one FILE (or - for standard input), not %d arguments\n", fs.NArg())
		return exitBadInput
	}
	o.input = fs.Arg(0)
	data, err := readAuditInput(o.input, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "sandboxgen audit: %v\n", err)
		return exitBadInput
	}
	recs, bad, err := auditlog.Parse(bytes.NewReader(data))
	if err != nil {
		fmt.Fprintf(stderr, "sandboxgen audit: %v\n", err)
		return exitBadInput
	}
	for _, b := range bad {
		fmt.Fprintf(stderr, "sandboxgen audit: warning: %v\n", b)
	}
	if o.exe != "" {
		recs = slices.DeleteFunc(recs, func(r auditlog.Record) bool {
			return r.Exe != o.exe && filepath.Base(r.Exe) != o.exe
		})
	}
	sum := auditlog.Summarize(recs)
	if o.json {
		if sum == nil {
			sum = []auditlog.Exe{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			fmt.Fprintf(stderr, "sandboxgen audit: %v\n", err)
			return exitBadInput
		}
	} else {
		writeAuditSummary(stdout, sum)
	}
	if o.write {
		var found []learnedEntry
		for _, e := range sum {
			for _, name := range e.Names() {
				found = append(found, learnedEntry{Syscall: name, Exe: e.Exe, GOARCH: e.GOARCH})
			}
		}
		if err := addLearned(o.pkg, found, "audit", stdout); err != nil {
			fmt.Fprintf(stderr, "sandboxgen audit: %v\n", err)
			return exitBadInput
		}
	}
	return exitOK
}

// readAuditInput reads name, standard input, or the kernel log.
func readAuditInput(name string, stdin io.Reader) ([]byte, error) {
	switch {
	case name == "-":
		return io.ReadAll(stdin)
	case name != "":
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("%v (give a file of kernel log lines, e.g. dmesg > k.txt, or - for standard input)", err)
		}
		return data, nil
	}
	if f, ok := stdin.(*os.File); ok && !isCharDevice(f) {
		return io.ReadAll(stdin)
	}
	return auditlog.ReadKernelLog()
}

// isCharDevice reports whether f is a character device: a terminal, or
// /dev/null, which has nothing to read either.
func isCharDevice(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// writeAuditSummary prints one block per executable and the -allow line of
// each architecture over all of them.
func writeAuditSummary(w io.Writer, sum []auditlog.Exe) {
	if len(sum) == 0 {
		fmt.Fprintln(w, "no seccomp audit records (type=1326) found")
		return
	}
	all := map[string][]string{}
	var arches []string
	for _, e := range sum {
		exe := e.Exe
		if exe == "" {
			exe = "(no exe in the record)"
		}
		fmt.Fprintf(w, "%s (%s):\n", exe, archOrUnknown(e.GOARCH))
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		for _, s := range e.Syscalls {
			nr := ""
			if s.Nr >= 0 {
				nr = fmt.Sprint(s.Nr)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\n", s.Syscall, nr, s.Action, s.Count)
		}
		tw.Flush()
		fmt.Fprintf(w, "  -allow %s\n", strings.Join(e.Names(), ","))
		if _, ok := all[e.GOARCH]; !ok {
			arches = append(arches, e.GOARCH)
		}
		for _, n := range e.Names() {
			if !slices.Contains(all[e.GOARCH], n) {
				all[e.GOARCH] = append(all[e.GOARCH], n)
			}
		}
	}
	if len(sum) > 1 {
		slices.Sort(arches)
		for _, a := range arches {
			slices.Sort(all[a])
			fmt.Fprintf(w, "all executables (%s): -allow %s\n", archOrUnknown(a), strings.Join(all[a], ","))
		}
	}
}

func archOrUnknown(goarch string) string {
	if goarch == "" {
		return "unknown arch"
	}
	return goarch
}
