package analyzer

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/childtest"
)

// fixtures are the programs under testdata/ that are analysed, locked with
// their generated filter (their allow-list, KILL_PROCESS for everything else),
// run to completion, and run under strace. want maps a syscall the program
// reaches only through the mechanism the fixture exercises to a function
// that must be on its call path: it proves the analysis follows that edge
// rather than finding the syscall elsewhere; a want of "cgo:<function>" is
// the origin the syscall must have instead (osmisc links cgo only if the
// machine has a C compiler, as CI's does).
//
// Every fixture is analysed with pruning on (the default). pruned names
// syscalls the fixture makes only before selfsandbox.Lock, which must be
// left out of the allow-list (and listed in Program.Pruned with a path
// from main or the package initialisers); noPrune, when set, is part of
// the reason pruning must not apply. The locked and strace runs then prove
// the pruned filter enough for everything after Lock.
var fixtures = []struct {
	name    string
	want    map[string]string
	feature string   // a Features field that must be set
	pruned  []string // syscalls that must be pruned
	noPrune string   // pruning must not apply, for this reason
}{
	{"fileio", map[string]string{"renameat": "syscall.Rename", "unlinkat": "os.Remove", "openat": "syscall.Open"}, "", nil, ""},
	{"netio", map[string]string{"accept4": "", "recvfrom": "", "connect": "", "socket": "", "sendto": ""}, "", nil, ""},
	{"httpserver", map[string]string{"accept4": "", "connect": "", "setsockopt": ""}, "", nil, ""},
	{"osexec", map[string]string{"execve": "syscall.forkAndExecInChild1", "wait4": "", "dup3": "syscall.forkAndExecInChild1"}, "OsExec", nil, ""},
	{"signal", map[string]string{"kill": "syscall.Kill"}, "Signal", nil, ""},
	{"timer", map[string]string{"getrusage": "timer.main$1 ", "gettimeofday": "syscall.gettimeofday"}, "", nil, ""},
	{"mmap", map[string]string{"mmap": "syscall.Mmap", "munmap": "syscall.Munmap", "mprotect": "syscall.Mprotect"}, "", nil, ""},
	{"xsysunix", map[string]string{"flock": "unix.Flock", "prctl": "unix.Prctl", "uname": "unix.Uname", "getcpu": "xsysunix.main "}, "", nil, ""},
	{"dispatch", map[string]string{
		"getppid":     "dispatch.parentProber).probe ", // interface method
		"getpgid":     "dispatch.main$1 ",              // closure
		"getuid":      "dispatch.uidSource).read ",     // method value
		"getgid":      "dispatch.gidProbe).gid ",       // generic instance
		"geteuid":     "dispatch.main$2 ",              // goroutine
		"umask":       "dispatch.main$3 ",              // defer
		"getegid":     "dispatch.main$4$1 ",            // finalizer
		"getpriority": "dispatch.main$4$2 ",            // cleanup
	}, "", nil, ""},
	{"pprof", map[string]string{"openat": ""}, "Pprof", nil, ""},
	{"osmisc", map[string]string{"connect": "cgo:mygetpwuid_r", "symlinkat": "os.Symlink", "truncate": "os.Truncate", "chdir": "os.Chdir", "utimensat": "os.Chtimes", "getdents64": "", "getcwd": "os.Getwd"}, "", nil, ""},
	{"reflection", map[string]string{
		"getsid":  "reflection.Session).Probe ",     // reflect.Value.Call
		"getpgid": "reflection.group).String ",      // fmt on a nested field
		"times":   "reflection.ticks).MarshalJSON ", // encoding/json on a nested field
		"sysinfo": "reflection.main$2 ",             // reflect.MakeFunc
	}, "Reflect", nil, ""},
	// encoding/json sets an *exec.Cmd's SysProcAttr.Chroot by reflection.
	{"osexecjsonattr", map[string]string{"chroot": "syscall.forkAndExecInChild1"}, "OsExec", nil, ""},
	{"reflectflow", map[string]string{
		"getppid": "reflectflow.stored).Probe ",   // a prober stored in an unexported field
		"getsid":  "reflectflow.read).Report ",    // reflect.Value.Interface of a field
		"getpgid": "reflectflow.written).Report ", // reflect.Value.Set into a field
	}, "", nil, ""},
	// A server that does its set-up before Lock and then only serves.
	{"prunelisten", map[string]string{"accept4": "prunelisten.main$1 ", "shutdown": "net.TCPConn).CloseWrite "}, "",
		[]string{"listen", "connect", "chdir", "umask"}, ""},
	// A goroutine started before Lock makes its syscall after it.
	{"prunegoroutine", map[string]string{"getppid": "prunegoroutine.main$1 "}, "", []string{"getpgid"}, ""},
	// A goroutine that ends locked to its thread ends the thread: the
	// runtime's exit.
	{"lockedthread", map[string]string{"exit": "runtime:thread exit"}, "", nil, ""},
	// Syscalls in branches that cannot run after Lock (constant
	// conditions, a helper's constant argument): only getppid is needed.
	{"prunebranch", map[string]string{"getppid": "prunebranch.probe "}, "", []string{"getpgid"}, ""},
	// Functions kept in fields of package variables, called through the
	// variable main reads (see TestPrecisionFixtures).
	{"globalfield", map[string]string{"getppid": "globalfield.init$1 ", "getpriority": "globalfield.probePriority "}, "", nil, ""},
	// A goroutine started before Lock that ends before it: its syscall
	// is only in the fallback filter, and Lock installs the narrow one.
	{"prunejoined", map[string]string{"getppid": "prunejoined.main$1 "}, "", nil, ""},
	// Closures made before Lock and called after it, directly and
	// through a helper that is also called before Lock.
	{"pruneclosure", map[string]string{"getpriority": "pruneclosure.main$1 ", "sysinfo": "pruneclosure.main$2 "}, "",
		[]string{"getpgid"}, ""},
	// Lock called from a helper that main.main calls once: what main runs
	// before the helper is pruned.
	{"prunehelper", map[string]string{"getppid": "prunehelper.main "}, "", []string{"getpgid"}, ""},
	// Branches on pointer fields nothing (or only reflection) sets.
	{"nilfield", map[string]string{"getppid": "nilfield.tracer).flush ", "getpriority": "nilfield.hook).fire "}, "", nil, ""},
	// Bits of a field only a never-called setter sets.
	{"fieldbits", map[string]string{"getppid": "fieldbits.main "}, "", nil, ""},
	// A fast path behind a type assertion no value passes.
	{"refinereach", map[string]string{"getppid": "refinereach.init$2 "}, "", nil, ""},
	// The network string decides the listener's type (see
	// TestPrecisionFixtures): a unix listener's Close unlinks its file.
	{"networkmodel", map[string]string{"accept4": "echoconn.EchoOne "}, "", nil, ""},
	{"networkmodelunix", map[string]string{"unlinkat": "net.UnixListener).close"}, "", nil, ""},
	// fmt.Sscanf's reflection writes only what its ...any literal holds
	// (see TestPrecisionFixtures); a pointer to SysProcAttr.Chroot that
	// reflection made and fill stored into the slice keeps chroot.
	{"sscanfexec", map[string]string{"execve": "syscall.forkAndExecInChild1"}, "OsExec", nil, ""},
	{"sscanfexecattr", map[string]string{"chroot": "syscall.forkAndExecInChild1"}, "OsExec", nil, ""},
	// encoding/json cannot set what only an unexported field leads to,
	// and can set the exported fields of an embedded struct (see
	// TestPrecisionFixtures).
	{"osexecjsonhidden", map[string]string{"execve": "syscall.forkAndExecInChild1"}, "OsExec", nil, ""},
	{"osexecjsonembedded", map[string]string{"chroot": "syscall.forkAndExecInChild1"}, "OsExec", nil, ""},
	// encoding/json decodes into the *exec.Cmd an exported field of type
	// any holds, and sets its SysProcAttr.Chroot.
	{"osexecjsonany", map[string]string{"chroot": "syscall.forkAndExecInChild1"}, "OsExec", nil, ""},
	// Reflection writes any field it reaches, but no *exec.Cmd reaches it.
	{"osexecjsonatomic", map[string]string{"execve": "syscall.forkAndExecInChild1"}, "OsExec", nil, ""},
	// json fills a []any; an *exec.Cmd only fmt's ...any holds stays out
	// of its reach (see TestPrecisionFixtures).
	{"osexecjsonanyprint", map[string]string{"execve": "syscall.forkAndExecInChild1"}, "OsExec", nil, ""},
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
			checkPruned(t, prog, f.name, f.pruned, f.noPrune)
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

// checkPruned checks the pruning of fixture name: applied (unless noPrune
// names the reason it is not), every syscall of pruned left out and listed
// in Program.Pruned with a path from the program's own main or init, and
// nothing pruned that the allow-list keeps.
func checkPruned(t *testing.T, prog *Program, name string, pruned []string, noPrune string) {
	t.Helper()
	if noPrune != "" {
		if prog.Pruning.Applied || !strings.Contains(prog.Pruning.Reason, noPrune) || len(prog.Pruned) > 0 {
			t.Errorf("want no pruning because %q; got %+v, pruned %v", noPrune, prog.Pruning, prog.Pruned)
		}
		return
	}
	if !prog.Pruning.Applied || prog.Pruning.LockAt == "" {
		t.Errorf("pruning not applied: %+v", prog.Pruning)
	}
	byName := map[string]Need{}
	for _, n := range prog.Pruned {
		byName[n.Name] = n
		if _, kept := prog.Need(n.Name); kept {
			t.Errorf("%s is both pruned and allowed", n.Name)
		}
		if len(n.Path) == 0 || !(strings.Contains(n.Path[0], name+".main ") || strings.Contains(n.Path[0], name+".init ")) {
			t.Errorf("pruned %s: path does not start in main or init: %v", n.Name, n.Path)
		}
	}
	for _, s := range pruned {
		if _, ok := byName[s]; !ok {
			t.Errorf("%s is not pruned; pruned: %v, allowed: %v", s, needNames(prog.Pruned), prog.Names())
		}
	}
	t.Logf("pruned (reached only before Lock): %v", needNames(prog.Pruned))
}

// needNames returns the names of ns.
func needNames(ns []Need) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Name
	}
	return out
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
		if strings.HasPrefix(want[name], OriginRuntimePrefix) {
			// The runtime baseline needs it, because of a feature.
			if n.Origin != want[name] {
				t.Errorf("%s has origin %q, want %q", name, n.Origin, want[name])
			}
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

// buildLocked builds the program with the Go file sandboxgen would generate
// for it: prog.Policy with KILL_PROCESS for everything else (narrowed, with
// the whole policy as the fallback, when prog has Outliving goroutines),
// compiled by gen.Compile and rendered by gen.Emit, added with go build
// -overlay so the source tree is not touched, with extra go build flags.
// It returns the binary.
func buildLocked(t *testing.T, prog *Program, flags ...string) string {
	t.Helper()
	pol, meta := lockedPolicy(t, prog)
	return buildLockedWith(t, prog, pol, meta, nil, flags...)
}

// lockedPolicy is the policy and metadata sandboxgen would generate for
// prog: its allow-list with KILL_PROCESS for everything else, narrowed
// with the whole policy as the fallback when prog has Outliving
// goroutines.
func lockedPolicy(t *testing.T, prog *Program) (gen.Policy, gen.Metadata) {
	t.Helper()
	pol := prog.Policy(gen.KillProcess)
	meta := gen.Metadata{GoVersion: prog.GoVersion, Cgo: prog.CoversCgo}
	if narrow, ok := prog.NarrowPolicy(pol); ok {
		wide, err := gen.Compile(pol)
		if err != nil {
			t.Fatalf("gen.Compile (fallback): %v", err)
		}
		meta.Fallback = &gen.Fallback{Program: wide, Goroutines: prog.GoStatements()}
		pol = narrow
	}
	return pol, meta
}

// buildLockedWith builds prog's package with the file gen.Emit writes for
// pol and meta, as buildLocked does, with env added to go build's
// environment and flags (e.g. -race) on its command line.
func buildLockedWith(t *testing.T, prog *Program, pol gen.Policy, meta gen.Metadata, env []string, flags ...string) string {
	t.Helper()
	compiled, err := gen.Compile(pol)
	if err != nil {
		t.Fatalf("gen.Compile: %v", err)
	}
	src, err := gen.Emit(compiled, meta)
	if err != nil {
		t.Fatalf("gen.Emit: %v", err)
	}
	tmp := t.TempDir()
	srcFile := filepath.Join(tmp, "sandbox.go")
	if err := os.WriteFile(srcFile, src, 0o644); err != nil {
		t.Fatal(err)
	}
	overlay, err := json.Marshal(map[string]map[string]string{
		// The generated file's own name: a program that has one checked in
		// (examples/webserver) gets it replaced rather than registered twice.
		"Replace": {filepath.Join(prog.Dir, gen.FileName(prog.GOARCH)): srcFile},
	})
	if err != nil {
		t.Fatal(err)
	}
	ovFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ovFile, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(tmp, prog.Name)
	cmd := exec.Command("go", append(append([]string{"build"}, flags...), "-overlay="+ovFile, "-o", bin, ".")...)
	cmd.Dir = prog.Dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", prog.Dir, err, out)
	}
	return bin
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
