package analyzer

import (
	"time"

	"github.com/sandboxgen/sandboxgen/gen"
)

// Call graph algorithms accepted in Config.CallGraph.
const (
	CallGraphVTA = "vta" // VTA over a CHA start, refined twice (the default)
	CallGraphCHA = "cha" // class hierarchy analysis: fast, least precise
	CallGraphRTA = "rta" // rapid type analysis
)

// Origins of a Need other than the runtime's ("runtime:<trigger>").
const (
	// OriginProgram marks a syscall the program's own code (including the
	// standard library outside package runtime) can make.
	OriginProgram = "program"
	// OriginCgoPrefix prefixes the origin of a syscall that a libc
	// function the standard library calls through cgo makes (the C
	// function follows, e.g. "cgo:getaddrinfo").
	OriginCgoPrefix = "cgo:"
	// OriginCPrefix prefixes the origin of a syscall that the program's
	// own C code (a cgo preamble, a C library it links) can make, found by
	// analysing the linked binary: the C function follows, then the
	// library function it calls, e.g. "c:sqlite3VdbeExec → realloc
	// (libc.so.6)". Unlike OriginCgoPrefix, whose needs are known lists
	// for the libc functions the standard library calls, these come from
	// the machine code of the libraries the analysis found.
	OriginCPrefix = "c:"
	// OriginRuntimePrefix prefixes the origin of a syscall from the runtime
	// baseline; the rest is the trigger, e.g. "runtime:always".
	OriginRuntimePrefix = "runtime:"
)

// Config says what to analyse and how.
type Config struct {
	// GOARCH is the target architecture. Empty means the host's. GOOS is
	// always linux.
	GOARCH string
	// Dir is the directory the patterns are relative to (the main module's
	// working directory). Empty means the current directory.
	Dir string
	// Tags are extra build tags, as for go build -tags.
	Tags []string
	// Env holds extra "KEY=VALUE" entries for the go command, after the
	// process environment (GOOS and GOARCH are set from the config last).
	Env []string
	// CallGraph is one of CallGraphVTA (default when empty), CallGraphCHA,
	// CallGraphRTA.
	CallGraph string
	// ExecChild adds the runtime profile's exec group when the program can
	// start processes: the filter survives execve, so a child program's
	// start-up (dynamic loader, libc, another Go runtime) must be allowed
	// too. Without it, a locked program can only run children that need
	// nothing beyond its own allow-list.
	ExecChild bool
	// NoRuntime leaves the runtime baseline out of Program.Syscalls, so the
	// result holds only what the program's code needs.
	NoRuntime bool
	// CgoFrom, for a cross build (another GOARCH than the host's, where
	// the go command turns cgo off), maps a main package's import path to
	// its analysis for a build with cgo, usually the host's. When that one
	// links cgo and this one does not, Analyze adds what a native build of
	// this architecture would need with cgo: the runtime's cgo group, the
	// syscalls of the libc functions the reference reaches, and its go
	// statements before Lock (see Program.Outliving). Without it, a file
	// generated on amd64 for arm64 would kill a native arm64 build that
	// links cgo.
	CgoFrom map[string]*Program
	// CgoFromLater, when set, stands for CgoFrom: Analyze calls it once,
	// when it first needs the references, after the Go analysis of the
	// packages. A cross build's analysis can then run while the host's,
	// which it refers to, is still under way (sandboxgen analyses its
	// architectures at once). It is not part of the configuration's
	// identity: its result is (see internal/analysiscache).
	CgoFromLater func() map[string]*Program `json:"-"`
	// Overlay maps file names to the content the analysis reads instead
	// of the file's (go/packages' Config.Overlay). sandboxgen replaces
	// each main package's existing generated files with an empty
	// "package main": the file's init only registers the program before
	// Lock, and without it every run analyses the same code, so that
	// generating a second time gives the same file as the first.
	Overlay map[string][]byte
	// NoPrune keeps the syscalls that the program's code reaches only
	// before selfsandbox.Lock. By default they are left out of
	// Program.Syscalls (and listed in Program.Pruned) when Lock is called
	// once, directly in main.main; see Program.Pruning.
	NoPrune bool
	// NoC leaves out the analysis of the program's own C code (see
	// Program.CLibraries): by default a program whose packages outside
	// the standard library use cgo is built with cgo and its binary
	// analysed, on amd64.
	NoC bool
}

// Report is the result of Analyze: one Program per main package matched by
// the patterns.
type Report struct {
	Programs []*Program
}

// Program is what one main package needs on one architecture.
type Program struct {
	PkgPath   string // import path of the main package
	Dir       string // directory of the main package
	Name      string // binary name, the last element of the import path (or directory)
	GOARCH    string // target architecture
	GoVersion string // toolchain the analysis (and runtime baseline) is for, e.g. "go1.26.8"
	GoRoot    string // GOROOT of that toolchain
	Packages  int    // packages in the program, dependencies included

	// Syscalls are the syscalls the program needs, sorted by name, each
	// once: the union of what the program's code reaches (once Lock has
	// returned, when Pruning.Applied) and the runtime baseline. When both
	// need a syscall, the program origin (with its call path) is kept.
	Syscalls []Need
	// Runtime are the syscalls the Go runtime itself issues in this
	// program (the runtime baseline of the groups its features switch
	// on), sorted by name, each once, whether or not the program's code
	// needs the same syscall too (Syscalls then keeps the program's
	// origin). Origin is OriginRuntimePrefix followed by every trigger of
	// the runtime's sites for it, e.g. "runtime:netpoll, crash/exit" for
	// write: the runtime reports panics and fatal errors through it. No
	// override may deny one of these: the runtime would crash, or die
	// without a word while reporting a crash. Empty with Config.NoRuntime.
	Runtime []Need
	// Outliving are the go statements that may run before Lock and start
	// goroutines needing syscalls that the code after Lock does not. The
	// analysis cannot tell whether such a goroutine has ended by the time
	// Lock runs (a DNS lookup of net.Listen has; os/signal's loop has
	// not), so Syscalls includes their needs and Narrow leaves them out:
	// the generated file carries both filters, and Lock installs the
	// narrow one only when no goroutine started at these statements is
	// still running. Sorted by file and line.
	Outliving []Goroutine
	// Pruned are the syscalls the program's code reaches only before
	// selfsandbox.Lock, left out of Syscalls, sorted by name, each with a
	// call path to a site that needs it (a path through main.main before
	// the Lock call, or through the package initialisers). A syscall the
	// runtime baseline needs is never pruned.
	Pruned []Need
	// Pruning says whether syscalls were pruned and, if not, why.
	Pruning Pruning
	// Unresolved are the syscall sites whose number could not be worked out.
	Unresolved []Site
	// Warnings name the soundness limits that apply to this program.
	Warnings []string
	// RuleNotes say, for each argument rule the analysis tries (clone's
	// namespace flags, PROT_EXEC on mmap and mprotect), why it could not
	// prove the rule for this program, when it could not.
	RuleNotes []string
	// Features are the capabilities the program reaches.
	Features Features
	// CoversCgo reports whether Syscalls covers a build of the program
	// with cgo as well as the analysed one: the analysed build links cgo,
	// a build with cgo would not link runtime/cgo, or the two differ only
	// in the standard library's cgo packages (net, os/user), whose needs
	// the analysis then adds. A generated file records it
	// (selfsandbox.Program.Cgo), and Lock refuses a binary that links cgo
	// when it is false. Always false with Config.NoRuntime.
	CoversCgo bool
	// CLibraries are the shared libraries the analysis of the program's
	// C code read, in the loader's order, each with its build ID: the
	// needs that origin OriginCPrefix holds for these files, and a
	// program that loads other ones may need more.
	CLibraries []CLibrary
	// CDlopen are the program's C functions that call dlopen or dlmopen:
	// the libraries they load at run time are not analysed, and what
	// those need is not in Syscalls (a warning says so too).
	CDlopen []string
	// Timings are the durations of the analysis phases. Load is shared by
	// every program of one Analyze call; the other phases are this
	// program's own.
	Timings Timings

	// argFacts are what the argument rules depend on, gathered with the
	// call graph and applied once the runtime baseline is merged.
	argFacts *argFacts
	// cgoAdded says coverCgo added what a cgo build of the program runs:
	// C code can run after Lock in a build the file covers.
	cgoAdded bool
}

// Pruning says whether the syscalls reached only before selfsandbox.Lock
// were left out of a program's allow-list.
type Pruning struct {
	// Applied is true when Syscalls holds only what can run after Lock.
	Applied bool
	// LockAt is the position (file:line:column) of the Lock call in
	// main.main that pruning rests on, when Applied.
	LockAt string
	// Reason says why nothing was pruned, when not Applied (e.g. "Lock is
	// called from main.setup, not directly in main.main").
	Reason string
}

// Need is one syscall a program needs and why.
type Need struct {
	Name string // kernel name, e.g. "openat"
	Nr   uint32 // number on the program's architecture
	// Origin is OriginProgram, OriginCgoPrefix followed by a libc
	// function, OriginCPrefix followed by a C function of the program
	// and the library function it calls, or OriginRuntimePrefix followed by the runtime trigger or
	// group (e.g. "runtime:always", "runtime:forkexec").
	Origin string
	// Errno, when non-zero, means the filter answers the syscall with this
	// errno instead of allowing it (e.g. clone3 in a cgo program, so that
	// libc falls back to clone).
	Errno uint16
	// Rules, when set, allow the syscall only for the argument values
	// they describe (each rule's Action is gen.Allow); every other call
	// gets the filter's default action. RulesWhy says what the analysis
	// proved to leave the rest out. See Program.RuleNotes for the rules
	// it could not prove.
	Rules    []gen.Rule
	RulesWhy string
	// Path is one shortest call path from a root to the syscall site, as
	// "function (file:line)" entries, root first, the site last; a root
	// other than main.main or the package initialiser is preceded by
	// "[why it is a root]". With pruning applied, the path of a kept
	// syscall is one that can run after Lock. Empty for runtime needs.
	Path []string
}

// Goroutine is a go statement that may run before Lock, with the
// syscalls its goroutines need that the code after Lock does not.
type Goroutine struct {
	Pos  string // file:line:column of the go statement, shortened
	File string // base name of the statement's file
	// Line and EndLine are the lines of the go keyword and of the
	// statement's end: a traceback's "created by" line falls between.
	Line, EndLine int
	Func          string // function containing the statement
	Needs         []Need // each with a call path from the goroutine's start
}

// Narrow returns Syscalls without what only the goroutines of Outliving
// need: the allow-list that holds once they have ended.
func (p *Program) Narrow() []Need {
	extra := map[string]bool{}
	for _, g := range p.Outliving {
		for _, n := range g.Needs {
			extra[n.Name] = true
		}
	}
	var out []Need
	for _, n := range p.Syscalls {
		if !extra[n.Name] {
			out = append(out, n)
		}
	}
	return out
}

// Site is a syscall site whose number could not be resolved.
type Site struct {
	Pos    string   // file:line:column of the call
	Func   string   // function containing the call
	Path   []string // a shortest call path from a root to the site
	Reason string   // why the number is unknown
}

// Features are capabilities a program reaches that change what it needs or
// what the analysis can see.
type Features struct {
	Cgo     bool // the program uses cgo: C code is invisible to the analysis
	OsExec  bool // the program can start processes (fork/exec, or syscall.Exec)
	Pprof   bool // the program can turn on CPU profiling (setitimer/timer_create)
	Plugin  bool // the program can load plugins: their code is invisible
	Reflect bool // the program can call functions and methods through reflection (reflect.Value.Call, Method)
	Signal  bool // the program handles signals with os/signal
}

// Timings are the durations of the analysis phases.
type Timings struct {
	Load      time.Duration // go/packages load (type check)
	SSA       time.Duration // SSA construction
	CallGraph time.Duration // call graph construction
	Syscalls  time.Duration // site discovery and number resolution
	C         time.Duration // cgo build and binary analysis of the program's C code, beside the Go analysis

	Total time.Duration // Load plus this program's phases, the runtime merge and the wait for C
}
