package analyzer

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/childtest"
	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// fixtures are the programs under testdata/ that are analysed, locked with
// a filter of exactly their allow-list (KILL_PROCESS for everything else),
// run to completion, and run under strace. want maps a syscall the program
// reaches only through the mechanism the fixture exercises to a function
// that must be on its call path: it proves the analysis follows that edge
// rather than finding the syscall elsewhere; a want of "cgo:<function>" is
// the origin the syscall must have instead (osmisc links cgo only if the
// machine has a C compiler, as CI's does).
var fixtures = []struct {
	name    string
	want    map[string]string
	feature string // a Features field that must be set
}{
	{"fileio", map[string]string{"renameat": "syscall.Rename", "unlinkat": "os.Remove", "openat": "syscall.Open"}, ""},
	{"netio", map[string]string{"accept4": "", "recvfrom": "", "connect": "", "socket": "", "sendto": ""}, ""},
	{"httpserver", map[string]string{"accept4": "", "connect": "", "setsockopt": ""}, ""},
	{"osexec", map[string]string{"execve": "syscall.forkAndExecInChild1", "wait4": "", "dup3": "syscall.forkAndExecInChild1"}, "OsExec"},
	{"signal", map[string]string{"kill": "syscall.Kill"}, "Signal"},
	{"timer", map[string]string{"getrusage": "timer.main$1 "}, ""},
	{"mmap", map[string]string{"mmap": "syscall.Mmap", "munmap": "syscall.Munmap", "mprotect": "syscall.Mprotect"}, ""},
	{"xsysunix", map[string]string{"flock": "unix.Flock", "prctl": "unix.Prctl", "uname": "unix.Uname", "getcpu": "xsysunix.main "}, ""},
	{"dispatch", map[string]string{
		"getppid":     "dispatch.parentProber).probe ", // interface method
		"getpgid":     "dispatch.main$1 ",              // closure
		"getuid":      "dispatch.uidSource).read ",     // method value
		"getgid":      "dispatch.gidProbe).gid ",       // generic instance
		"geteuid":     "dispatch.main$2 ",              // goroutine
		"umask":       "dispatch.main$3 ",              // defer
		"getegid":     "dispatch.main$4$1 ",            // finalizer
		"getpriority": "dispatch.main$4$2 ",            // cleanup
	}, ""},
	{"pprof", map[string]string{"openat": ""}, "Pprof"},
	{"osmisc", map[string]string{"connect": "cgo:mygetpwuid_r", "symlinkat": "os.Symlink", "truncate": "os.Truncate", "chdir": "os.Chdir", "utimensat": "os.Chtimes", "getdents64": "", "getcwd": "os.Getwd"}, ""},
	{"reflection", map[string]string{
		"getsid":  "reflection.Session).Probe ",     // reflect.Value.Call
		"getpgid": "reflection.group).String ",      // fmt on a nested field
		"times":   "reflection.ticks).MarshalJSON ", // encoding/json on a nested field
	}, "Reflect"},
}

// fixtureReport analyses every fixture in one Analyze call (the standard
// library is loaded once) with the exec group on, as the osexec fixture's
// children run under the inherited filter.
func fixtureReport(t *testing.T) *Report {
	var pats []string
	for _, f := range fixtures {
		pats = append(pats, "./testdata/"+f.name)
	}
	return analyzeCached(t, "fixtures", Config{ExecChild: true}, pats...)
}

func TestFixtures(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Fatal("strace is not installed; the fixture tests compare against it (apt-get install strace)")
	}
	rep := fixtureReport(t)
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			prog := programNamed(t, rep, f.name)
			checkWant(t, prog, f.want)
			if f.feature != "" && !featureSet(prog.Features, f.feature) {
				t.Errorf("feature %s not detected: %+v", f.feature, prog.Features)
			}
			for _, u := range prog.Unresolved {
				t.Errorf("unresolved site %s in %s: %s", u.Pos, u.Func, u.Reason)
			}
			bin := buildLocked(t, prog)
			work := t.TempDir()
			env := []string{"FIXTURE_DIR=" + work}

			cmd := exec.Command(bin)
			cmd.Env = append(os.Environ(), env...)
			res := childtest.RunCommand(t, cmd)
			if res.ExitCode != 0 || !strings.HasPrefix(res.Stdout, "ok") {
				// Go on to the strace run: it names the syscall.
				t.Errorf("locked %s did not run to completion:\n%s", f.name, res)
			}

			seen := straceRun(t, bin, []string{"FIXTURE_DIR=" + t.TempDir()})
			if miss := missing(prog, seen); len(miss) > 0 {
				t.Errorf("strace saw syscalls after Lock that the analysis does not allow: %v", miss)
			}
			t.Logf("%s: %d packages, %d allowed (%d from the program's code), strace saw %d after main",
				f.name, prog.Packages, len(prog.Syscalls), countOrigin(prog, OriginProgram), len(seen))
		})
	}
}

// checkWant checks that each wanted syscall is needed by the program's code
// with fn on its call path.
func checkWant(t *testing.T, prog *Program, want map[string]string) {
	t.Helper()
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		n, ok := prog.Need(name)
		if !ok {
			t.Errorf("%s is not in the allow-list %v", name, prog.Names())
			continue
		}
		if strings.HasPrefix(want[name], OriginCgoPrefix) {
			// A libc function std calls through cgo needs it (only
			// when the program is built with cgo).
			if !prog.Features.Cgo {
				continue
			}
			if n.Origin != want[name] || len(n.Path) == 0 {
				t.Errorf("%s has origin %q and path %v, want origin %q with a path", name, n.Origin, n.Path, want[name])
			}
			continue
		}
		if n.Origin != OriginProgram {
			t.Errorf("%s has origin %q, want %q", name, n.Origin, OriginProgram)
			continue
		}
		if !strings.Contains(strings.Join(n.Path, "\n"), want[name]) {
			t.Errorf("%s: call path does not go through %s:\n\t%s", name, want[name], strings.Join(n.Path, "\n\t"))
		}
	}
}

func countOrigin(p *Program, origin string) int {
	n := 0
	for _, s := range p.Syscalls {
		if s.Origin == origin {
			n++
		}
	}
	return n
}

// buildLocked builds the fixture with a file that registers a filter
// allowing exactly prog's syscalls (added with go build -overlay, so the
// source tree is not touched) and returns the binary.
func buildLocked(t *testing.T, prog *Program) string {
	t.Helper()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "sandbox.go")
	if err := os.WriteFile(src, []byte(registerSource(t, prog)), 0o644); err != nil {
		t.Fatal(err)
	}
	overlay, err := json.Marshal(map[string]map[string]string{
		"Replace": {filepath.Join(prog.Dir, "zz_sandbox_linux_"+prog.GOARCH+".go"): src},
	})
	if err != nil {
		t.Fatal(err)
	}
	ovFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ovFile, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(tmp, prog.Name)
	cmd := exec.Command("go", "build", "-overlay="+ovFile, "-o", bin, ".")
	cmd.Dir = prog.Dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", prog.Dir, err, out)
	}
	return bin
}

// registerSource renders a Go file for package main that registers the
// filter for prog.
func registerSource(t *testing.T, prog *Program) string {
	t.Helper()
	p := allowListFilter(t, prog)
	var b strings.Builder
	b.WriteString("// Code generated by sandboxgen. DO NOT EDIT.\n\npackage main\n\n")
	b.WriteString("import \"github.com/sandboxgen/sandboxgen/selfsandbox\"\n\n")
	b.WriteString("func init() {\n\tselfsandbox.Register(selfsandbox.Program{\n")
	fmt.Fprintf(&b, "\t\tArch: %q, AuditArch: %#x, DefaultAction: %#x, GoVersion: %q,\n", p.Arch, p.AuditArch, p.DefaultAction, p.GoVersion)
	b.WriteString("\t\tInstructions: []selfsandbox.Instruction{\n")
	for _, in := range p.Instructions {
		fmt.Fprintf(&b, "\t\t\t{Code: %#x, Jt: %d, Jf: %d, K: %#x},\n", in.Code, in.Jt, in.Jf, in.K)
	}
	b.WriteString("\t\t},\n\t})\n}\n")
	return b.String()
}

// allowListFilter is the simplest filter of prog's allow-list: check the
// architecture (and the x32 ABI on amd64), then compare the number with each
// allowed syscall in turn; everything else kills the process. It is written
// here, independently of package gen, so that these tests measure the
// analysis and not the compiler.
func allowListFilter(t *testing.T, prog *Program) selfsandbox.Program {
	t.Helper()
	table := mustTable(t, prog.GOARCH)
	const (
		ldAbs = 0x20 // BPF_LD|BPF_W|BPF_ABS
		jeqK  = 0x15 // BPF_JMP|BPF_JEQ|BPF_K
		jgeK  = 0x35 // BPF_JMP|BPF_JGE|BPF_K
		retK  = 0x06 // BPF_RET|BPF_K
		kill  = 0x80000000
	)
	ins := []selfsandbox.Instruction{
		{Code: ldAbs, K: 4}, // arch
		{Code: jeqK, Jt: 1, K: table.AuditArch},
		{Code: retK, K: kill},
		{Code: ldAbs, K: 0}, // nr
	}
	if table.X32Bit != 0 {
		ins = append(ins, selfsandbox.Instruction{Code: jgeK, Jf: 1, K: table.X32Bit}, selfsandbox.Instruction{Code: retK, K: kill})
	}
	pol := prog.Policy(gen.KillProcess)
	names := make([]string, 0, len(pol.Syscalls))
	for name := range pol.Syscalls {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		nr, ok := table.Number(name)
		if !ok {
			t.Fatalf("policy names %s, which linux/%s does not have", name, prog.GOARCH)
		}
		ins = append(ins,
			selfsandbox.Instruction{Code: jeqK, Jf: 1, K: nr},
			selfsandbox.Instruction{Code: retK, K: pol.Syscalls[name][0].Action.Ret()})
	}
	ins = append(ins, selfsandbox.Instruction{Code: retK, K: kill})
	return selfsandbox.Program{
		Arch:          prog.GOARCH,
		AuditArch:     table.AuditArch,
		Instructions:  ins,
		DefaultAction: kill,
		GoVersion:     prog.GoVersion,
	}
}

// featureSet reports whether the named field of f is true.
func featureSet(f Features, name string) bool {
	switch name {
	case "Cgo":
		return f.Cgo
	case "OsExec":
		return f.OsExec
	case "Pprof":
		return f.Pprof
	case "Plugin":
		return f.Plugin
	case "Reflect":
		return f.Reflect
	case "Signal":
		return f.Signal
	}
	return false
}
