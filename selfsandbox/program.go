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
	// GeneratorVersion is the sandboxgen version that wrote the program.
	GeneratorVersion string
	// PolicyHash identifies the policy the program was compiled from.
	PolicyHash string
}

// Syscall names one syscall of a program's architecture.
type Syscall struct {
	Name string
	Nr   uint32
}
