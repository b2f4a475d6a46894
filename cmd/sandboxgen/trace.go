package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/sandboxgen/sandboxgen/internal/proctrace"
	"github.com/sandboxgen/sandboxgen/internal/systable"
)

const traceUsage = `usage: sandboxgen trace [flags] -- COMMAND [ARGS...]

trace runs COMMAND under ptrace and counts every syscall of its whole
process tree (following fork, vfork, clone and execve), attributed to the
executable that made it: the program itself, or /usr/bin/sort after the
program's child called execve. For the program it tells the syscalls made
before Lock from those made after (Lock is its seccomp(SET_MODE_FILTER));
a process started after Lock runs under the inherited filter, so all its
syscalls count as after.

Ctrl-C or SIGTERM to trace stops the command; trace then prints its
report. Run the program in log mode (SELFSANDBOX_MODE=log, or generated with -mode
log) or not locked at all: in enforce mode the first denied syscall kills
it. A program that never locks has all its syscalls counted as after Lock.

With -pkg DIR (or -write) trace compares what was made after Lock with the
allow-list of DIR's generated sandbox_linux_<arch>.go, both ways: made but
not allowed (the filter would kill the program for it), and allowed but
never made (in this run). -write adds the first list to DIR's
sandbox.learned, which the next generation merges.

Flags:
`

// traceOptions are trace's command line.
type traceOptions struct {
	json  bool
	pkg   string
	write bool
	file  string
	cmd   []string
}

// traceReport is what trace prints with -json.
type traceReport struct {
	Command     []string          `json:"command"`
	ExitCode    int               `json:"exit_code"`
	Signal      string            `json:"signal,omitempty"`
	Locked      bool              `json:"locked"`
	Executables []traceExecutable `json:"executables"`
	Policy      *tracePolicy      `json:"policy,omitempty"`
}

// traceExecutable is one executable of the traced tree on one arch.
type traceExecutable struct {
	Exe      string         `json:"exe"`
	Program  bool           `json:"program"`
	Arch     string         `json:"arch"`
	Syscalls []traceSyscall `json:"syscalls"`
}

// traceSyscall counts one syscall: Before is made outside any filter
// (before Lock), After under the filter (or, when the program never
// locked, everything).
type traceSyscall struct {
	Name   string `json:"name"`
	Nr     uint32 `json:"nr"`
	Before int    `json:"before"`
	After  int    `json:"after"`
	ENOSYS int    `json:"enosys,omitempty"` // calls after Lock answered ENOSYS
}

// tracePolicy compares the trace with the generated allow-list.
type tracePolicy struct {
	File string `json:"file"`
	Arch string `json:"arch"`
	// Missing are made after Lock but not allowed: the filter would deny
	// them. Each names the executables that made it.
	Missing []traceMissing `json:"missing"`
	// Answered are made after Lock, not in the allow-list, and answered
	// ENOSYS every time: by the filter's errno rule (clone3), or because
	// the kernel lacks them. They are learned too, which keeps an errno
	// rule (see mergeLearned) and lets the call through otherwise.
	Answered []traceMissing `json:"answered_enosys"`
	// Unused are allowed but never made in this run.
	Unused []string `json:"unused"`
}

// traceMissing is one syscall the allow-list lacks.
type traceMissing struct {
	Name        string   `json:"name"`
	Executables []string `json:"executables"`
}

func runTrace(args []string, stdout, stderr io.Writer) int {
	var o traceOptions
	fs := flag.NewFlagSet("sandboxgen trace", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.StringVar(&o.pkg, "pkg", "", "`directory` of the main package: compare with its generated allow-list\n(default . with -write)")
	fs.BoolVar(&o.write, "write", false, "add the syscalls made after Lock that the allow-list lacks to the\npackage's "+learnedFile+" (prints what it adds)")
	fs.StringVar(&o.file, "o", "", "write the report to `file` instead of standard output")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), traceUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitBadInput
	}
	o.cmd = fs.Args()
	if len(o.cmd) == 0 {
		fmt.Fprintln(stderr, "sandboxgen trace: no command; usage: sandboxgen trace [flags] -- COMMAND [ARGS...]")
		return exitBadInput
	}
	if o.write && o.pkg == "" {
		o.pkg = "."
	}
	var allowed []string
	var allowFile string
	if o.pkg != "" {
		var err error
		allowFile = filepath.Join(o.pkg, "sandbox_linux_"+runtime.GOARCH+".go")
		allowed, err = readAllowList(allowFile)
		if err != nil {
			fmt.Fprintf(stderr, "sandboxgen trace: %v\n", err)
			return exitBadInput
		}
	}

	// The command writes where trace itself does (when that is a file:
	// the terminal, a pipe); a test's buffers get nothing.
	stdoutFile, _ := stdout.(*os.File)
	stderrFile, _ := stderr.(*os.File)
	// Stopping the command must not stop the tracer before it reports:
	// Ctrl-C reaches the command from the terminal anyway, and SIGTERM
	// sent to trace is passed on to the command.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	started, traced := make(chan int, 1), make(chan struct{})
	go func() {
		pid := 0
		for {
			select {
			case pid = <-started:
			case sig := <-sigs:
				if sig == syscall.SIGTERM && pid > 0 {
					if p, err := os.FindProcess(pid); err == nil {
						p.Signal(syscall.SIGTERM)
					}
				}
			case <-traced:
				return
			}
		}
	}()
	res, err := proctrace.Run(proctrace.Command{
		Path: o.cmd[0], Args: o.cmd,
		Stdin: os.Stdin, Stdout: stdoutFile, Stderr: stderrFile,
		Started: func(pid int) { started <- pid },
	})
	close(traced)
	if err != nil {
		fmt.Fprintf(stderr, "sandboxgen trace: %v\n", err)
		return exitBadInput
	}
	rep := buildTraceReport(o.cmd, res)
	if allowFile != "" {
		rep.Policy = comparePolicy(rep, allowFile, allowed)
	}

	out := stdout
	if o.file != "" {
		f, err := os.Create(o.file)
		if err != nil {
			fmt.Fprintf(stderr, "sandboxgen trace: %v\n", err)
			return exitBadInput
		}
		defer f.Close()
		out = f
	}
	if o.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "sandboxgen trace: %v\n", err)
			return exitBadInput
		}
	} else {
		writeTraceReport(out, rep)
	}
	if o.write {
		var found []learnedEntry
		for _, m := range slices.Concat(rep.Policy.Missing, rep.Policy.Answered) {
			for _, exe := range m.Executables {
				found = append(found, learnedEntry{Syscall: m.Name, Exe: exe, GOARCH: rep.Policy.Arch})
			}
		}
		if err := addLearned(o.pkg, found, "trace", stderr); err != nil {
			fmt.Fprintf(stderr, "sandboxgen trace: %v\n", err)
			return exitBadInput
		}
	}
	return exitOK
}

// programExe is how reports and the learned file name the traced program.
const programExe = "program"

// buildTraceReport names the counts. When the program never locked,
// everything counts as after Lock: the program is meant to be locked, and
// all of it may run under the filter.
func buildTraceReport(cmd []string, res *proctrace.Result) *traceReport {
	rep := &traceReport{Command: cmd, ExitCode: res.ExitCode, Locked: res.Locked, Executables: []traceExecutable{}}
	if res.Signal != 0 {
		rep.Signal = proctrace.SignalName(res.Signal)
	}
	for _, c := range res.Counts {
		arch, name := "unknown", "syscall_"+strconv.Itoa(int(c.Nr))
		if t := tableByAuditArch(c.AuditArch); t != nil {
			arch = t.GOARCH
			if n, ok := t.Name(c.Nr); ok {
				name = n
			}
		}
		n := len(rep.Executables)
		if n == 0 || rep.Executables[n-1].Exe != c.Exe || rep.Executables[n-1].Program != c.Program || rep.Executables[n-1].Arch != arch {
			rep.Executables = append(rep.Executables, traceExecutable{Exe: c.Exe, Program: c.Program, Arch: arch})
			n++
		}
		before, after := c.Before, c.After
		if !res.Locked {
			before, after = 0, before+after
		}
		e := &rep.Executables[n-1]
		e.Syscalls = append(e.Syscalls, traceSyscall{Name: name, Nr: c.Nr, Before: before, After: after, ENOSYS: c.ENOSYS})
	}
	for i := range rep.Executables {
		slices.SortFunc(rep.Executables[i].Syscalls, func(a, b traceSyscall) int { return strings.Compare(a.Name, b.Name) })
	}
	return rep
}

func tableByAuditArch(arch uint32) *systable.Table {
	// The host's table first: amd64 and x32 share an audit arch.
	if t, err := systable.Lookup(runtime.GOARCH); err == nil && t.AuditArch == arch {
		return t
	}
	for _, a := range systable.Arches() {
		if t, err := systable.Lookup(a); err == nil && t.AuditArch == arch {
			return t
		}
	}
	return nil
}

// comparePolicy lists, for the host's arch, what was made after Lock but
// is not allowed, and what is allowed but was never made after Lock.
func comparePolicy(rep *traceReport, file string, allowed []string) *tracePolicy {
	pol := &tracePolicy{File: file, Arch: runtime.GOARCH, Missing: []traceMissing{}, Answered: []traceMissing{}, Unused: []string{}}
	made := map[string]bool{}
	who := map[string][]string{}
	// onlyENOSYS[name] stays true while every call after Lock got ENOSYS.
	onlyENOSYS := map[string]bool{}
	for _, e := range rep.Executables {
		if e.Arch != runtime.GOARCH {
			continue
		}
		exe := e.Exe
		if e.Program {
			exe = programExe
		}
		for _, s := range e.Syscalls {
			if s.After == 0 {
				continue
			}
			made[s.Name] = true
			if slices.Contains(allowed, s.Name) {
				continue
			}
			if !slices.Contains(who[s.Name], exe) {
				who[s.Name] = append(who[s.Name], exe)
			}
			all := s.ENOSYS >= s.After
			if prev, seen := onlyENOSYS[s.Name]; seen {
				all = all && prev
			}
			onlyENOSYS[s.Name] = all
		}
	}
	for name, exes := range who {
		slices.Sort(exes)
		if onlyENOSYS[name] {
			pol.Answered = append(pol.Answered, traceMissing{Name: name, Executables: exes})
		} else {
			pol.Missing = append(pol.Missing, traceMissing{Name: name, Executables: exes})
		}
	}
	byName := func(a, b traceMissing) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(pol.Missing, byName)
	slices.SortFunc(pol.Answered, byName)
	for _, a := range allowed {
		if !made[a] {
			pol.Unused = append(pol.Unused, a)
		}
	}
	return pol
}

func writeTraceReport(w io.Writer, rep *traceReport) {
	how := fmt.Sprintf("exit status %d", rep.ExitCode)
	if rep.Signal != "" {
		how = "killed by " + rep.Signal
	}
	lock := "it locked itself (seccomp filter installed)"
	if !rep.Locked {
		lock = "it never locked: every syscall counts as made under the filter"
	}
	fmt.Fprintf(w, "%s: %s; %s\n", strings.Join(rep.Command, " "), how, lock)
	for _, e := range rep.Executables {
		role := "child"
		if e.Program {
			role = "program"
		}
		fmt.Fprintf(w, "%s %s (%s):\n", role, e.Exe, e.Arch)
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', tabwriter.AlignRight)
		if e.Program && rep.Locked {
			fmt.Fprintf(tw, "  syscall\tbefore Lock\tafter Lock\t\n")
			for _, s := range e.Syscalls {
				fmt.Fprintf(tw, "  %s\t%d\t%d\t\n", s.Name, s.Before, s.After)
			}
		} else {
			var names []string
			for _, s := range e.Syscalls {
				names = append(names, fmt.Sprintf("%s %d", s.Name, s.Before+s.After))
			}
			fmt.Fprintf(w, "  %s\n", strings.Join(names, ", "))
		}
		tw.Flush()
	}
	if p := rep.Policy; p != nil {
		fmt.Fprintf(w, "against %s:\n", p.File)
		if len(p.Missing) == 0 {
			fmt.Fprintf(w, "  made after Lock but not allowed: none\n")
		} else {
			fmt.Fprintf(w, "  made after Lock but not allowed (the filter would deny them):\n")
			var names []string
			for _, m := range p.Missing {
				fmt.Fprintf(w, "    %-20s %s\n", m.Name, strings.Join(m.Executables, ", "))
				names = append(names, m.Name)
			}
			fmt.Fprintf(w, "  -allow %s (or trace -write to learn them)\n", strings.Join(names, ","))
		}
		if len(p.Answered) > 0 {
			var names []string
			for _, m := range p.Answered {
				names = append(names, m.Name+" ("+strings.Join(m.Executables, ", ")+")")
			}
			fmt.Fprintf(w, "  not allowed, answered ENOSYS every time (an errno rule such as clone3's, or the kernel lacks it): %s\n", strings.Join(names, ", "))
		}
		if len(p.Unused) == 0 {
			fmt.Fprintf(w, "  allowed but never made in this run: none\n")
		} else {
			fmt.Fprintf(w, "  allowed but never made in this run: %s\n", strings.Join(p.Unused, ", "))
		}
	}
}

// readAllowList reads the allow-list of the program a generated file
// registers: the Name of each entry of selfsandbox.Program's Allowed (not
// the Fallback's, which Lock installs only in a special case).
func readAllowList(file string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, usageErrorf("%s does not exist; run sandboxgen in %s first, or leave out -pkg and -write", file, filepath.Dir(file))
		}
		return nil, err
	}
	var names []string
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok || found {
			return !found
		}
		sel, ok := lit.Type.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Program" {
			return true
		}
		found = true
		for _, el := range lit.Elts {
			kv, ok := el.(*ast.KeyValueExpr)
			if !ok || !isIdent(kv.Key, "Allowed") {
				continue
			}
			list, ok := kv.Value.(*ast.CompositeLit)
			if !ok {
				continue
			}
			for _, item := range list.Elts {
				entry, ok := item.(*ast.CompositeLit)
				if !ok {
					continue
				}
				for _, field := range entry.Elts {
					if fkv, ok := field.(*ast.KeyValueExpr); ok && isIdent(fkv.Key, "Name") {
						if bl, ok := fkv.Value.(*ast.BasicLit); ok {
							if s, err := strconv.Unquote(bl.Value); err == nil {
								names = append(names, s)
							}
						}
					}
				}
			}
		}
		return false
	})
	if !found || len(names) == 0 {
		return nil, usageErrorf("%s holds no selfsandbox.Program with an Allowed list; is it a file sandboxgen generated?", file)
	}
	return names, nil
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
