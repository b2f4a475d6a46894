// Package testpolicy builds the policy that selfsandbox's test children
// lock themselves with. The parent test works out the Go runtime's
// syscalls once (runtimeprofile reads the toolchain's source, which takes
// a while) and hands them to each child in two environment variables; the
// child compiles its program from them with gen, as a generated file would
// hold it precompiled.
package testpolicy

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// The environment variables the parent sets.
const (
	EnvAllow = "SELFSANDBOX_TEST_ALLOW" // comma-separated names to allow
	EnvErrno = "SELFSANDBOX_TEST_ERRNO" // comma-separated name=errno pairs
)

// FromEnv returns the policy for runtime.GOARCH that allows the names in
// EnvAllow and extra and answers the pairs of EnvErrno with their errno,
// without the names in drop, and denies everything else with
// KILL_PROCESS.
func FromEnv(extra []string, drop ...string) (gen.Policy, error) {
	p := gen.Policy{Arch: runtime.GOARCH, Default: gen.KillProcess, Syscalls: map[string][]gen.Rule{}}
	for _, pair := range list(EnvErrno) {
		name, n, _ := strings.Cut(pair, "=")
		e, err := strconv.Atoi(n)
		if err != nil {
			return gen.Policy{}, fmt.Errorf("%s: %q: %v", EnvErrno, pair, err)
		}
		p.Syscalls[name] = []gen.Rule{{Action: gen.Errno(uint16(e))}}
	}
	allow := list(EnvAllow)
	if len(allow) == 0 {
		return gen.Policy{}, fmt.Errorf("%s is empty: the parent test sets it to the runtime's syscalls", EnvAllow)
	}
	for _, name := range slices.Concat(allow, extra) {
		p.Syscalls[name] = []gen.Rule{{Action: gen.Allow}}
	}
	for _, name := range drop {
		delete(p.Syscalls, name)
	}
	return p, nil
}

// Register compiles the policy FromEnv(extra, drop...) returns and
// registers it with selfsandbox, stamped with the running Go version, as a
// generated file's init would: what a test program calls before Lock.
func Register(extra []string, drop ...string) error {
	p, err := FromEnv(extra, drop...)
	if err != nil {
		return err
	}
	prog, err := gen.Compile(p)
	if err != nil {
		return fmt.Errorf("compile: %w", err)
	}
	// Cgo: the parent's allow-list includes the runtime's cgo group.
	selfsandbox.Register(prog.Selfsandbox(gen.Metadata{GoVersion: runtime.Version(), Cgo: true}))
	return nil
}

// list splits the comma-separated value of env.
func list(env string) []string {
	if v := os.Getenv(env); v != "" {
		return strings.Split(v, ",")
	}
	return nil
}
