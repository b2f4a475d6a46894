package analyzer

import (
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strings"

	"github.com/sandboxgen/sandboxgen/runtimeprofile"
)

// cgoStdPackages are the standard library packages whose code differs
// between builds with and without cgo on Linux (runtime/cgo exists only
// in the first), with the libc functions the cgo build calls and what
// they need (see cgo.go). Measured with go list of both builds: no other
// package of the standard library changes its files with cgo.
var cgoStdPackages = map[string]struct {
	libc  string
	needs []string
}{
	"runtime/cgo": {},
	"net":         {"getaddrinfo", resolverSyscalls},
	"os/user":     {"getpwuid_r", nssSyscalls},
}

// coverCgo sets prog.CoversCgo: whether its allow-list covers a build of
// the program with cgo as well. A program analysed with cgo covers it; so
// does one whose cgo build would not link runtime/cgo, as that build is
// the same. Otherwise (cgo off: CGO_ENABLED=0, no C compiler, or a cross
// build without Config.CgoFrom) coverCgo compares the files of both
// builds with go list: when only the standard library's cgo packages
// differ, it adds the runtime's cgo group and the syscalls of those
// packages' libc calls, so that one file serves both builds. When other
// packages differ (the program's own C code, or files under a cgo build
// constraint), the analysis has not seen what the cgo build runs: prog
// does not cover it, and selfsandbox.Lock refuses such a binary.
func (a *analysis) coverCgo(prog *Program) error {
	if prog.Features.Cgo {
		prog.CoversCgo = true
		return nil
	}
	with, err := a.listFiles(prog.Dir, "CGO_ENABLED=1")
	if err != nil {
		return err
	}
	if _, ok := with["runtime/cgo"]; !ok {
		prog.CoversCgo = true
		return nil
	}
	without, err := a.listFiles(prog.Dir)
	if err != nil {
		return err
	}
	var std, other []string
	for _, pkg := range sortedKeys(with) {
		if with[pkg] == without[pkg] {
			continue
		}
		if _, ok := cgoStdPackages[pkg]; ok {
			std = append(std, pkg)
		} else {
			other = append(other, pkg)
		}
	}
	if len(other) > 0 {
		prog.Warnings = append(prog.Warnings, fmt.Sprintf("cgo: analysed with cgo off, but a build with cgo compiles other code in %s; the file covers only builds without cgo, and Lock refuses a cgo build: generate with cgo enabled, or build with CGO_ENABLED=0",
			strings.Join(other, ", ")))
		return nil
	}
	m := newNeedMerger(prog)
	for _, s := range a.profile.Select(runtimeprofile.Cgo) {
		if s.Group != runtimeprofile.Cgo || onlyPollerCreation(s) {
			continue // Select adds Base, which addRuntime merged already
		}
		a.addRuntimeNeed(m, s)
	}
	for _, pkg := range std {
		c := cgoStdPackages[pkg]
		for _, name := range c.needs {
			if nr, ok := a.table.Number(name); ok {
				m.add(Need{Name: name, Nr: nr, Origin: OriginCgoPrefix + c.libc})
			}
		}
	}
	sortNeeds(prog.Syscalls)
	prog.CoversCgo = true
	prog.cgoAdded = true
	prog.Warnings = append(prog.Warnings, fmt.Sprintf("cgo: analysed with cgo off; a build with cgo links runtime/cgo (through %s), so the runtime's cgo group and those packages' libc calls are added and the file covers both builds",
		strings.Join(slices.DeleteFunc(std, func(p string) bool { return p == "runtime/cgo" }), ", ")))
	return nil
}

// listFiles runs go list -deps on dir for the analysis's target, with env
// added last, and returns each package's Go and cgo files.
func (a *analysis) listFiles(dir string, env ...string) (map[string]string, error) {
	args := []string{"list", "-deps", "-f", "{{.ImportPath}}\t{{join .GoFiles \",\"}}\t{{join .CgoFiles \",\"}}"}
	if len(a.cfg.Tags) > 0 {
		args = append(args, "-tags="+strings.Join(a.cfg.Tags, ","))
	}
	cmd := exec.Command("go", append(args, dir)...)
	cmd.Dir = a.cfg.Dir
	cmd.Env = append(environ(a.cfg), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("analyzer: go list -deps %s %s: %v: %s", strings.Join(env, " "), dir, err, strings.TrimSpace(stderr.String()))
	}
	files := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		pkg, rest, _ := strings.Cut(line, "\t")
		files[pkg] = rest
	}
	return files, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
