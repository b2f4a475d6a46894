package selfsandbox

import (
	"fmt"
	_ "unsafe" // for go:linkname
)

// linksCgo is the runtime's own record of whether the binary links
// runtime/cgo, which sets it from its init data. It is the cgo setting that
// matters, rather than the cgo build tag: a program that imports nothing
// with C code does not link runtime/cgo even when CGO_ENABLED=1, and its
// threads start as in a build without cgo. The runtime marks the variable
// for linkname use by other packages (go.dev/issue/67401).
//
//go:linkname linksCgo runtime.iscgo
var linksCgo bool

// The build settings of the running binary; tests replace them.
var (
	binaryLinksCgo = func() bool { return linksCgo }
	binaryRace     = func() bool { return raceBuild }
)

// BuildMismatchError is returned by Lock when the running binary was built
// with a setting whose system calls the program's allow-list does not
// cover: it links cgo (CGO_ENABLED=1 and a package with C code, such as
// net or os/user) while the program was generated for a build without
// cgo, or it was built with -race. Lock returns it before it installs
// anything: the same binary would otherwise die of SIGSYS at its first new
// thread (glibc's pthread_create calls clone3, rseq, set_robust_list) or in
// the race detector's C runtime. The fix is in Fix; set
// Options.AllowBuildMismatch to install the program anyway.
type BuildMismatchError struct {
	// Setting is the build setting that differs: "cgo" or "race".
	Setting string
	// Program is the build the program covers, e.g. "builds without cgo".
	Program string
	// Running is how this binary was built, e.g. "links cgo (runtime/cgo)".
	Running string
	// Fix says how to get a binary and a program that agree.
	Fix string
}

func (e *BuildMismatchError) Error() string {
	return fmt.Sprintf("selfsandbox: this binary %s, but the seccomp program covers only %s: "+
		"its allow-list lacks what that build's own code needs, and the process would be killed at its first new thread; %s, "+
		"or set selfsandbox.Options.AllowBuildMismatch", e.Running, e.Program, e.Fix)
}

// checkBuild compares the build settings the program covers with those of
// the running binary; race first, as regenerating cannot fix it.
func checkBuild(prog Program, linksCgo, race bool) error {
	if race && !prog.Race {
		return &BuildMismatchError{
			Setting: "race",
			Program: "builds without the race detector",
			Running: "was built with -race",
			Fix: "the race detector's runtime (ThreadSanitizer, C code) makes system calls no analysis sees, so no generated program covers it: " +
				"build without -race to run locked, or skip Lock in race builds",
		}
	}
	if linksCgo && !prog.Cgo {
		return &BuildMismatchError{
			Setting: "cgo",
			Program: "builds without cgo (it was generated with CGO_ENABLED=0, or with no C compiler)",
			Running: "links cgo (runtime/cgo)",
			Fix:     "run `go generate` (sandboxgen) with cgo enabled, as this binary is built, or build with CGO_ENABLED=0",
		}
	}
	return nil
}
