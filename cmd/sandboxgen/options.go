package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// options are the parsed command line.
type options struct {
	arches           []string
	mode             string
	allow, deny      []string
	why              string
	json             bool
	check            bool
	verbose          bool
	output           string
	tags             []string
	callGraph        string
	allowUnresolved  bool
	readonlyFS       bool
	execChild        bool
	execShell        bool // -exec-child=shell
	noPrune          bool
	format           string
	containerRuntime string
	patterns         []string
}

// defaultArches are the architectures generated when -arch is not given.
var defaultArches = []string{"amd64", "arm64"}

// modes are the values of -mode, in the order -h lists them.
var modes = []string{"enforce", "trap", "errno", "log"}

// archPlaceholder in -o is replaced by each target architecture.
const archPlaceholder = "{arch}"

const usageHead = `usage: sandboxgen [flags] [packages]

sandboxgen analyses each main package matched by the packages (default ".",
"./..." works), works out every syscall the program can make after main
starts (its own code's and the Go runtime's for the toolchain in PATH),
compiles that allow-list into a seccomp-BPF program per architecture, and
writes it next to the package as Go source that registers the program; the
program installs it by calling selfsandbox.Lock(). Use it from a main
package as

	//go:generate go run github.com/sandboxgen/sandboxgen/cmd/sandboxgen

Exit status: 0 success, 1 -check found stale files, 2 bad usage or input
(nothing is written then).

Flags:
`

const usageTail = `
Examples:
	sandboxgen ./...                     generate for every command in the module
	sandboxgen -check ./...              in CI: fail with a diff if a file is stale
	sandboxgen -mode trap .              debug: denied calls crash with a traceback
	sandboxgen -why openat .             which call path needs openat
	sandboxgen -json -arch amd64 . | jq  the full report
	sandboxgen -deny connect -readonly-fs ./cmd/server
	sandboxgen -format docker -o seccomp.json ./cmd/server   a container profile
	sandboxgen diff git:HEAD:sandbox_linux_amd64.go sandbox_linux_amd64.go
`

// parseOptions parses args. It returns flag.ErrHelp after printing the help
// for -h, and a usageError for anything wrong.
func parseOptions(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("sandboxgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var arch, allow, deny, tags string
	fs.StringVar(&arch, "arch", strings.Join(defaultArches, ","),
		"comma-separated `GOARCH` list: one file is written per architecture\n(supported: "+strings.Join(systable.Arches(), ", ")+")")
	fs.StringVar(&o.mode, "mode", "enforce",
		"what the generated filter does with a denied syscall, unless SELFSANDBOX_MODE\nor the program overrides it: enforce (kill the process with SIGSYS),\ntrap (SIGSYS to the thread: the Go runtime crashes with a traceback),\nerrno (fail the call with EPERM), log (allow it and log it)")
	fs.StringVar(&allow, "allow", "", "comma-separated syscall `names` to allow although the analysis does not\nneed them (e.g. for code the analysis cannot see)")
	fs.StringVar(&deny, "deny", "", "comma-separated syscall `names` to deny although the analysis says the\nprogram's code may make them (the runtime's own syscalls cannot be denied)")
	fs.StringVar(&o.why, "why", "", "print the call path that makes syscall `NAME` necessary, per package and\narchitecture, and write nothing")
	fs.BoolVar(&o.json, "json", false, "print the full report as JSON on stdout: per package and architecture, every\nallowed syscall with its number, origin and call path, the unresolved sites\nand the warnings")
	fs.BoolVar(&o.check, "check", false, "write nothing; exit 1 with a diff when a generated file on disk is stale\nor missing (for CI)")
	fs.BoolVar(&o.verbose, "v", false, "print phase timings and what was written on stderr")
	fs.StringVar(&o.output, "o", "", "output file `name` inside each package directory; "+archPlaceholder+" stands for the\narchitecture (default: sandbox_linux_"+archPlaceholder+".go); with -format docker|oci|spo,\nthe path of the profile (default: stdout)")
	fs.StringVar(&tags, "tags", "", "comma-separated build `tags`, as for go build")
	fs.StringVar(&o.callGraph, "callgraph", analyzer.CallGraphVTA, "call graph `algorithm`: vta (precise), rta, or cha (fast, allows more)")
	fs.BoolVar(&o.allowUnresolved, "allow-unresolved", false, "report syscall sites whose number cannot be worked out as warnings instead\nof errors; the filter then denies whatever they call, so name what they need\nwith -allow")
	fs.BoolVar(&o.readonlyFS, "readonly-fs", false, "let open and openat open files for reading only (an argument rule on their\nflags) and deny the syscalls that create, remove, rename or change files;\nfor programs that never write files after Lock")
	fs.Var(execChildValue{&o.execChild, &o.execShell}, "exec-child", "for programs that start other programs (os/exec): also allow what a child\nneeds to start under the inherited filter (dynamic loader, libc, another Go\nruntime); without it a child may only use the parent's allow-list.\n-exec-child=shell also allows what a shell running the core utilities needs\n(a measured preset, much wider than the program; see docs/children.md)")
	fs.BoolVar(&o.noPrune, "noprune", false, "keep the syscalls the program's code makes only before selfsandbox.Lock\n(by default they are left out when Lock is called once, directly in main)")
	fs.StringVar(&o.format, "format", formatGo, formatUsage)
	fs.StringVar(&o.containerRuntime, "container-runtime", "runc", containerRuntimeUsage)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageHead)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), usageTail)
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil, err
		}
		return nil, &usageError{msg: err.Error() + " (run sandboxgen -h for help)"}
	}
	o.patterns = fs.Args()
	if len(o.patterns) == 0 {
		o.patterns = []string{"."}
	}
	o.arches = splitList(arch)
	o.allow = splitList(allow)
	o.deny = splitList(deny)
	o.tags = splitList(tags)
	if err := o.validate(); err != nil {
		return nil, err
	}
	return o, nil
}

// splitList splits a comma-separated flag value, dropping empty entries
// and duplicates.
func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// validate checks what can be checked before any analysis.
func (o *options) validate() error {
	if len(o.arches) == 0 {
		return usageErrorf("-arch is empty; name at least one GOARCH, e.g. -arch amd64")
	}
	for _, a := range o.arches {
		if _, err := systable.Lookup(a); err != nil {
			return usageErrorf("-arch %s: unknown or unsupported GOARCH; use one of %s", a, strings.Join(systable.Arches(), ", "))
		}
	}
	if !slices.Contains(modes, o.mode) {
		return usageErrorf("-mode %q: unknown mode; use one of %s", o.mode, strings.Join(modes, ", "))
	}
	switch o.callGraph {
	case analyzer.CallGraphVTA, analyzer.CallGraphRTA, analyzer.CallGraphCHA:
	default:
		return usageErrorf("-callgraph %q: unknown algorithm; use vta, rta or cha", o.callGraph)
	}
	if o.why != "" && o.check {
		return usageErrorf("-why and -check do not go together: -why only reports")
	}
	if err := o.validateExport(); err != nil {
		return err
	}
	if o.output != "" && o.format == formatGo {
		if strings.ContainsAny(o.output, `/\`) {
			return usageErrorf("-o %q: give a file name, not a path: the file goes into each main package's directory", o.output)
		}
		if !strings.HasSuffix(o.output, ".go") {
			return usageErrorf("-o %q: the name must end in .go, e.g. -o sandbox_%s.go", o.output, archPlaceholder)
		}
		if len(o.arches) > 1 && !strings.Contains(o.output, archPlaceholder) {
			return usageErrorf("-o %q names one file but -arch names %d architectures; put %s in the name, e.g. -o seccomp_%s.go", o.output, len(o.arches), archPlaceholder, archPlaceholder)
		}
	}
	for _, o2 := range o.allow {
		if slices.Contains(o.deny, o2) {
			return usageErrorf("%s is in both -allow and -deny; keep it in one", o2)
		}
	}
	// Names are checked against every target's table: a name unknown on
	// all of them is a typo.
	for _, list := range []struct {
		flag  string
		names []string
	}{{"-allow", o.allow}, {"-deny", o.deny}, {"-why", splitList(o.why)}} {
		for _, name := range list.names {
			if err := checkSyscallName(list.flag, name, o.arches); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkSyscallName fails when name is a syscall on none of arches, and
// suggests the closest real name.
func checkSyscallName(flagName, name string, arches []string) error {
	var suggestion string
	for _, a := range arches {
		t, err := systable.Lookup(a)
		if err != nil {
			continue
		}
		if _, ok := t.Number(name); ok {
			return nil
		}
		if s, ok := t.Closest(name); ok && suggestion == "" {
			suggestion = s
		}
	}
	msg := fmt.Sprintf("%s %s: no such syscall on %s", flagName, name, strings.Join(arches, ", "))
	if suggestion != "" {
		msg += fmt.Sprintf("; did you mean %s?", suggestion)
	}
	return &usageError{msg: msg}
}
