package main

import (
	"flag"
	"fmt"
	"go/build"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/internal/syscallgroups"
	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// options are the parsed command line, or the options one package's files
// are generated with: the command line's explicit flags over the options
// recorded in the package's generated files.
type options struct {
	arches           []string
	mode             string
	allow, deny      []string // syscall names and numbers, groups expanded
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
	format           string // -format: go (the default), docker, oci or spo
	containerRuntime string
	patterns         []string

	// allowGiven and denyGiven are -allow and -deny as given, groups
	// (@name) unexpanded: what a generated file records.
	allowGiven, denyGiven []string
	// denyGroup maps each name a -deny group brought in to the group.
	denyGroup map[string]string

	// explicit are the recorded flags the command line sets, each as
	// -name=value, in the order of recordedFlags.
	explicit []string
	// archesUnknown is true for the command line's options when it does
	// not set -arch: each package's files may record other architectures,
	// so -o is checked per package.
	archesUnknown bool
}

// recordedFlags are the flags that shape a program's filter, in the order
// a generated file records them (see optionsLine). The others (-why,
// -json, -check, -v) only say what one run does.
var recordedFlags = []string{"arch", "mode", "allow", "deny", "readonly-fs", "exec-child", "noprune", "allow-unresolved", "tags", "callgraph", "o"}

// listFlags hold comma-separated lists; their recorded form is sorted.
var listFlags = map[string]bool{"arch": true, "allow": true, "deny": true, "tags": true}

// defaultArches are the architectures generated when -arch is not given.
var defaultArches = []string{"amd64", "arm64"}

// modes are the values of -mode, in the order -h lists them.
var modes = []string{"enforce", "trap", "errno", "log"}

// archPlaceholder in -o is replaced by each target architecture.
const archPlaceholder = "{arch}"

const usageHead = `usage: sandboxgen [flags] [packages]

sandboxgen analyses each main package matched by the packages (default ".",
"./..." works) that calls selfsandbox.Lock, works out every syscall the
program can make after main starts (its own code's and the Go runtime's for
the toolchain in PATH), compiles that allow-list into a seccomp-BPF program
per architecture, and writes it next to the package as Go source that
registers the program; the program installs it by calling selfsandbox.Lock().
Add it to the module with "go get -tool github.com/sandboxgen/sandboxgen/cmd/sandboxgen"
and use it from a main package as

	//go:generate go tool sandboxgen .

The generated files record the flags that shape the filter (-arch, -mode,
-allow, -deny, -readonly-fs, -exec-child, -noprune, -allow-unresolved,
-tags, -callgraph, -o) in a "// sandboxgen:options" line, and every later
run reuses them: only a flag given on the command line changes one (it is
reported, and recorded when the files are written; -deny= or
-readonly-fs=false clears one). So "sandboxgen ./..." and
"sandboxgen -check ./..." agree with each package's go:generate line.

Exit status: 0 success, 1 -check found stale files, 2 bad usage or input
(nothing is written then).

Flags:
`

const usageTail = `
Examples:
	sandboxgen ./...                     regenerate every command in the module with its recorded options
	sandboxgen -check ./...              in CI: fail with a diff if a file is stale
	sandboxgen -deny connect -readonly-fs ./cmd/server   change (and record) a program's options
	sandboxgen -mode trap .              bake in trap: denied calls crash with a traceback (recorded)
	sandboxgen -why openat .             which call path needs openat (a number works too: -why 257)
	sandboxgen -json -arch amd64 . | jq  the full report (writes nothing)
	sandboxgen -format docker -o seccomp.json ./cmd/server   a container profile
	sandboxgen diff git:HEAD:sandbox_linux_amd64.go sandbox_linux_amd64.go

Cache: analysis reports are kept in $XDG_CACHE_HOME/sandboxgen (~/.cache/sandboxgen),
keyed on the packages' files, the build configuration, the toolchain and this
binary; a run whose inputs are unchanged answers from it. SANDBOXGEN_CACHE=off
turns it off; "sandboxgen -clean-cache" removes it. The architectures are
analysed at once when the machine has a core and the memory for each and
GOMEMLIMIT is unset; SANDBOXGEN_JOBS=1 analyses them one after the other.
`

// flagValues holds the raw values of the list flags while parsing.
type flagValues struct{ arch, allow, deny, tags string }

// newFlagSet defines every flag on a new FlagSet that parses into o and v.
func newFlagSet(o *options, v *flagValues, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("sandboxgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&v.arch, "arch", strings.Join(defaultArches, ","),
		"comma-separated `GOARCH` list: one file is written per architecture\n(supported: "+strings.Join(systable.Arches(), ", ")+")")
	fs.StringVar(&o.mode, "mode", "enforce",
		"what the generated filter does with a denied syscall, unless SELFSANDBOX_MODE\nor the program overrides it: enforce (kill the process with SIGSYS),\ntrap (SIGSYS to the thread: the Go runtime crashes with a traceback),\nerrno (fail the call with EPERM), log (allow it and log it)")
	fs.StringVar(&v.allow, "allow", "", "comma-separated syscall `names` (or numbers, per architecture, or @groups such\nas @network-io: see docs/modes.md) to allow although the analysis does not\nneed them (e.g. for code the analysis cannot see)")
	fs.StringVar(&v.deny, "deny", "", "comma-separated syscall `names` (or numbers, or @groups) to deny although the\nanalysis says the program's code may make them (the runtime's own syscalls\ncannot be denied; a group of which the program needs a syscall is refused)")
	fs.StringVar(&o.why, "why", "", "print the call path that makes syscall `NAME` (or number) necessary, per\npackage and architecture, and write nothing")
	fs.BoolVar(&o.json, "json", false, "print the full report as JSON on stdout and write nothing: per package and\narchitecture, every allowed syscall with its number, origin and call path,\nthe unresolved sites and the warnings")
	fs.BoolVar(&o.check, "check", false, "write nothing; exit 1 with a diff when a generated file on disk is stale\nor missing (for CI)")
	fs.BoolVar(&o.verbose, "v", false, "print phase timings, what was written and the warnings in full on stderr")
	fs.StringVar(&o.output, "o", "", "output file `name` inside each package directory; "+archPlaceholder+" stands for the\narchitecture (default: sandbox_linux_"+archPlaceholder+".go); with -format docker|oci|spo,\nthe path of the profile (default: stdout)")
	fs.StringVar(&v.tags, "tags", "", "comma-separated build `tags`, as for go build")
	fs.StringVar(&o.callGraph, "callgraph", analyzer.CallGraphVTA, "call graph `algorithm`: vta (precise), rta, or cha (fast, allows more)")
	fs.BoolVar(&o.allowUnresolved, "allow-unresolved", false, "report syscall sites whose number cannot be worked out as warnings instead\nof errors; the filter then denies whatever they call, so name what they need\nwith -allow")
	fs.BoolVar(&o.readonlyFS, "readonly-fs", false, "let open and openat open files for reading only (an argument rule on their\nflags) and deny the syscalls that create, remove, rename or change files;\nfor programs that never write files after Lock")
	fs.Var(execChildValue{&o.execChild, &o.execShell}, "exec-child", "for programs that start other programs (os/exec): also allow what a child\nneeds to start under the inherited filter (dynamic loader, libc, another Go\nruntime); without it a child may only use the parent's allow-list.\n-exec-child=shell also allows what a shell running the core utilities needs\n(a measured preset, much wider than the program; see docs/children.md)")
	fs.BoolVar(&o.noPrune, "noprune", false, "keep the syscalls the program's code makes only before selfsandbox.Lock\n(by default they are left out when Lock is called once, directly in main)")
	fs.StringVar(&o.format, "format", formatGo, formatUsage)
	fs.StringVar(&o.containerRuntime, "container-runtime", "runc", containerRuntimeUsage)
	return fs
}

// parseOptions parses args. It returns flag.ErrHelp after printing the help
// for -h, and a usageError for anything wrong.
func parseOptions(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	var v flagValues
	fs := newFlagSet(o, &v, stderr)
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
	if err := v.apply(o); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, name := range recordedFlags {
		if set[name] {
			o.explicit = append(o.explicit, "-"+name+"="+canonicalValue(name, fs.Lookup(name).Value.String()))
		}
	}
	o.archesUnknown = !set["arch"]
	if err := o.validate(); err != nil {
		return nil, err
	}
	return o, nil
}

// apply splits the list flags into o and expands the syscall groups of
// -allow and -deny (see internal/syscallgroups).
func (v *flagValues) apply(o *options) error {
	o.arches = splitList(v.arch)
	o.allowGiven = splitList(v.allow)
	o.denyGiven = splitList(v.deny)
	o.tags = splitList(v.tags)
	var err error
	if o.allow, _, err = syscallgroups.Expand(o.allowGiven); err != nil {
		return usageErrorf("-allow %v", err)
	}
	if o.deny, o.denyGroup, err = syscallgroups.Expand(o.denyGiven); err != nil {
		return usageErrorf("-deny %v", err)
	}
	return nil
}

// given returns a list flag as given: as recorded when expanded is the
// expansion of it, else expanded itself (options made in code).
func given(recorded, expanded []string) []string {
	if recorded != nil {
		return recorded
	}
	return expanded
}

// canonicalValue is a flag's value as a generated file records it: list
// flags sorted and without duplicates, so that the same options always
// give the same bytes.
func canonicalValue(name, value string) string {
	if !listFlags[name] {
		return value
	}
	l := splitList(value)
	slices.Sort(l)
	return strings.Join(l, ",")
}

// withRecorded returns the options for a package whose generated files
// record the flags in recorded (as optionsLine writes them): the recorded
// values, except where the command line sets a flag explicitly.
func (o *options) withRecorded(recorded []string) (*options, error) {
	p := &options{why: o.why, json: o.json, check: o.check, verbose: o.verbose, patterns: o.patterns, explicit: o.explicit}
	var v flagValues
	fs := newFlagSet(p, &v, io.Discard)
	if err := fs.Parse(append(slices.Clone(recorded), o.explicit...)); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected %q", fs.Arg(0))
	}
	if err := v.apply(p); err != nil {
		return nil, err
	}
	// -format and -container-runtime are not recorded: they choose what
	// one run prints.
	p.format, p.containerRuntime = o.format, o.containerRuntime
	if p.format != formatGo {
		p.noPrune = true // a container profile covers the whole process life
	}
	return p, nil
}

// recordedValues returns each recorded flag's canonical value in o.
func (o *options) recordedValues() map[string]string {
	var v flagValues
	p := &options{}
	fs := newFlagSet(p, &v, io.Discard)
	vals := map[string]string{
		"arch": strings.Join(o.arches, ","), "allow": strings.Join(given(o.allowGiven, o.allow), ","), "deny": strings.Join(given(o.denyGiven, o.deny), ","),
		"tags": strings.Join(o.tags, ","), "mode": o.mode, "callgraph": o.callGraph, "o": o.output,
		"readonly-fs": fmt.Sprint(o.readonlyFS), "exec-child": execChildValue{&o.execChild, &o.execShell}.String(),
		"noprune": fmt.Sprint(o.noPrune), "allow-unresolved": fmt.Sprint(o.allowUnresolved),
	}
	out := map[string]string{}
	for _, name := range recordedFlags {
		out[name] = canonicalValue(name, vals[name])
		if out[name] == canonicalValue(name, fs.Lookup(name).DefValue) {
			out[name] = ""
		}
	}
	return out
}

// optionsArgs returns o's recorded flags as a generated file records them:
// every flag whose value is not the default, as -name=value (a true
// boolean as -name), in the order of recordedFlags.
func (o *options) optionsArgs() []string {
	vals := o.recordedValues()
	var out []string
	for _, name := range recordedFlags {
		switch v := vals[name]; v {
		case "":
		case "true":
			out = append(out, "-"+name)
		default:
			out = append(out, "-"+name+"="+v)
		}
	}
	return out
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
	if o.archesUnknown || o.format != formatGo {
		// Checked per package, against the architectures it records; a
		// container profile's -o is a path of its own.
	} else if err := o.validateOutput(); err != nil {
		return err
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
	}{{"-allow", given(o.allowGiven, o.allow)}, {"-deny", given(o.denyGiven, o.deny)}, {"-why", splitList(o.why)}} {
		for _, name := range list.names {
			if syscallgroups.IsGroup(name) {
				continue // Expand knew it; its names need not exist on every architecture
			}
			if err := checkSyscallName(list.flag, name, o.arches); err != nil {
				return err
			}
		}
	}
	return nil
}

// validateOutput checks -o: a file name in the package directory that the
// go command compiles into the package on linux for every target
// architecture (not a test file, not excluded by its name's GOOS or
// GOARCH suffix, not starting with _ or .), or Lock would find no program.
func (o *options) validateOutput() error {
	if o.output == "" {
		return nil
	}
	if strings.ContainsAny(o.output, `/\`) {
		return usageErrorf("-o %q: give a file name, not a path: the file goes into each main package's directory", o.output)
	}
	if strings.ContainsFunc(o.output, unicode.IsSpace) {
		return usageErrorf("-o %q: the name must not contain spaces", o.output)
	}
	if !strings.HasSuffix(o.output, ".go") {
		return usageErrorf("-o %q: the name must end in .go, e.g. -o sandbox_%s.go", o.output, archPlaceholder)
	}
	if len(o.arches) > 1 && !strings.Contains(o.output, archPlaceholder) {
		return usageErrorf("-o %q names one file but -arch names %d architectures; put %s in the name, e.g. -o seccomp_%s.go", o.output, len(o.arches), archPlaceholder, archPlaceholder)
	}
	for _, arch := range o.arches {
		name := strings.ReplaceAll(o.output, archPlaceholder, arch)
		if strings.HasSuffix(name, "_test.go") {
			return usageErrorf("-o %q: %s is a test file, which go build leaves out of the program; choose a name that does not end in _test.go, e.g. -o sandbox_linux_%s.go", o.output, name, archPlaceholder)
		}
		if !compiledOnLinux(name, arch) {
			return usageErrorf("-o %q: go build leaves %s out of the program on linux/%s (a name starting with _ or ., or a GOOS/GOARCH suffix for another system); choose a name such as sandbox_linux_%s.go", o.output, name, arch, archPlaceholder)
		}
	}
	return nil
}

// compiledOnLinux reports whether the go command compiles a Go file named
// name into its package on linux/arch, judging by the name alone (the
// generated file's own //go:build line matches linux/arch).
func compiledOnLinux(name, arch string) bool {
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH = "linux", arch
	ctx.BuildTags, ctx.ToolTags, ctx.ReleaseTags = nil, nil, build.Default.ReleaseTags
	ctx.OpenFile = func(string) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("package main\n")), nil
	}
	ok, err := ctx.MatchFile(".", name)
	return err == nil && ok
}

// syscallNumber parses name as a syscall number, as the kernel's audit
// lines and log mode print them.
func syscallNumber(name string) (uint32, bool) {
	n, err := strconv.ParseUint(name, 10, 32)
	return uint32(n), err == nil
}

// resolveSyscall returns the syscall name on table for name, a name or a
// number; ok is false when it is neither on that architecture.
func resolveSyscall(table *systable.Table, name string) (string, bool) {
	if nr, isNr := syscallNumber(name); isNr {
		return table.Name(nr)
	}
	_, ok := table.Number(name)
	return name, ok
}

// checkSyscallName fails when name is a syscall (name or number) on none
// of arches, and suggests the closest real name.
func checkSyscallName(flagName, name string, arches []string) error {
	var suggestion string
	for _, a := range arches {
		t, err := systable.Lookup(a)
		if err != nil {
			continue
		}
		if _, ok := resolveSyscall(t, name); ok {
			return nil
		}
		if _, isNr := syscallNumber(name); isNr {
			continue
		}
		if s, ok := t.Closest(name); ok && suggestion == "" {
			suggestion = s
		}
	}
	if _, isNr := syscallNumber(name); isNr {
		return usageErrorf("%s %s: no syscall has that number on %s", flagName, name, strings.Join(arches, ", "))
	}
	msg := fmt.Sprintf("%s %s: no such syscall on %s", flagName, name, strings.Join(arches, ", "))
	if suggestion != "" {
		msg += fmt.Sprintf("; did you mean %s?", suggestion)
	}
	return &usageError{msg: msg}
}
