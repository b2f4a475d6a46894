package selfsandbox

// Instruction is one classic BPF instruction, laid out like the kernel's
// struct sock_filter.
type Instruction struct {
	Code uint16
	Jt   uint8
	Jf   uint8
	K    uint32
}

// Program is a precompiled seccomp filter for one architecture, as a file
// written by sandboxgen registers it from init. Lock installs the program
// whose Arch equals runtime.GOARCH.
type Program struct {
	// Arch is the GOARCH the program was compiled for.
	Arch string
	// AuditArch is the AUDIT_ARCH_* value the program checks first.
	AuditArch uint32
	// Instructions is the BPF program.
	Instructions []Instruction
	// DefaultAction is the SECCOMP_RET_* value of the program's denying
	// return instructions (the mode baked in at generation). Lock may
	// rewrite exactly those instructions to the action of the mode it is
	// asked for; every other return stays as generated.
	DefaultAction uint32
	// Allowed lists the syscalls the program allows (unconditionally or
	// under an argument rule), sorted by name.
	Allowed []Syscall
	// GoVersion is the Go toolchain whose runtime baseline the program
	// includes, e.g. "go1.26.8".
	GoVersion string
	// Cgo reports whether the allow-list covers a binary that links cgo
	// (runtime/cgo): the runtime's cgo group (glibc's thread start-up and
	// malloc) and the libc calls the analysis knows. sandboxgen sets it
	// when the analysed build links cgo. Lock refuses a binary that links
	// cgo with a *BuildMismatchError when it is false.
	Cgo bool
	// Race reports whether the allow-list covers a binary built with
	// -race. sandboxgen never sets it: the race detector's runtime
	// (ThreadSanitizer) makes system calls no analysis sees. Lock refuses
	// a race build with a *BuildMismatchError when it is false.
	Race bool
	// CLibraries are the shared libraries whose code the analysis of the
	// program's C code read (cgo programs only). When it is not empty,
	// Register compares them with the libraries the process has loaded
	// (their sonames and build IDs, read from the files /proc/self/maps
	// names); Current().LibraryMismatches reports those that differ, and
	// Lock refuses them only when Options.RequireSameLibraries (or
	// SELFSANDBOX_REQUIRE_SAME_LIBRARIES=1) asks it to.
	CLibraries []Library
	// GeneratorVersion is the sandboxgen version that wrote the program.
	GeneratorVersion string
	// PolicyHash identifies the policy the program was compiled from.
	PolicyHash string
	// Fallback, when set, is a wider filter for the case the analysis
	// could not rule out: a goroutine started before Lock (by a DNS lookup
	// in net.Listen, say) still running when Lock is called, which would
	// need syscalls the program's own filter leaves out. Lock installs
	// Fallback's filter instead when such a goroutine is alive.
	Fallback *Fallback
}

// Fallback is the filter Lock installs instead of a Program's own when a
// goroutine started at one of Goroutines is still running.
type Fallback struct {
	// Goroutines are the go statements whose goroutines the program's own
	// filter assumes have ended by the time Lock runs.
	Goroutines []GoStatement
	// Instructions is the wider BPF program: the program's own allow-list
	// plus what those goroutines need, with the same DefaultAction.
	Instructions []Instruction
	// Allowed lists the syscalls the wider program allows, sorted by name.
	Allowed []Syscall
}

// GoStatement identifies a go statement by its place in the source, as a
// goroutine's traceback names it ("created by ... at file:line").
type GoStatement struct {
	// Func is the function that contains the statement, for messages.
	Func string
	// File is the base name of the statement's file.
	File string
	// Line and EndLine are the first and last lines of the statement.
	Line, EndLine int
}

// Syscall names one syscall of a program's architecture.
type Syscall struct {
	Name string
	Nr   uint32
}
