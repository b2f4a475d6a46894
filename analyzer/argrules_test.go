package analyzer

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/childtest"
)

// attempts are what testdata/argrules tries as injected code with the
// inject tag (see inject.go): each prints its errno.
var attempts = []string{"clone-newuser", "clone-newnet", "mprotect-exec", "mmap-exec", "ioctl-tiocsti"}

// TestArgRules checks the argument rules on the real kernel: a pure Go
// program gets clone without namespace flags, mmap/mprotect without
// PROT_EXEC and ioctl with the one request it passes, and injected code that asks for either is stopped (EPERM in
// errno mode, SIGSYS in enforce mode) while the program's own threads and
// heap work; the same program with code that sets SysProcAttr.Cloneflags
// and links C keeps both, and the same attempts pass the filter.
func TestArgRules(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses a fixture twice and runs it under its filter")
	}
	closed := programNamed(t, analyzeCached(t, "argrules", Config{Env: []string{"CGO_ENABLED=0"}}, "./testdata/argrules"), "argrules")
	for _, name := range []string{"clone", "mmap"} {
		n, ok := closed.Need(name)
		if !ok {
			t.Fatalf("%s is not allowed at all: %v", name, closed.Names())
		}
		if len(n.Rules) != 1 || len(n.Rules[0].Args) != 1 || n.RulesWhy == "" {
			t.Errorf("%s: want one argument rule with its reason, got %+v (%q); notes: %v", name, n.Rules, n.RulesWhy, closed.RuleNotes)
		}
	}
	if n, ok := closed.Need("ioctl"); !ok || len(n.Rules) != 1 || n.Rules[0].Args[0] != (gen.ArgCond{Index: 1, Op: gen.OpEqual, Value: syscall.TIOCGWINSZ}) {
		t.Errorf("ioctl: want the one request the program passes, TIOCGWINSZ, got %+v (%q); notes: %v", n.Rules, n.RulesWhy, closed.RuleNotes)
	}
	for _, note := range closed.RuleNotes {
		if strings.HasPrefix(note, "clone") || strings.HasPrefix(note, "mmap") || strings.HasPrefix(note, "mprotect") {
			t.Errorf("unexpected note for the pure Go program: %s", note)
		}
	}

	bin := buildLocked(t, closed, "-tags=inject")
	env := append(os.Environ(), "CGO_ENABLED=0")
	cmd := exec.Command(bin, attempts...)
	cmd.Env = append(slices.Clone(env), "SELFSANDBOX_MODE=errno")
	res := childtest.RunCommand(t, cmd)
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "ok") {
		t.Fatalf("the locked program did not run to completion in errno mode:\n%s", res)
	}
	for _, a := range attempts {
		if !strings.Contains(res.Stdout, a+" 1\n") {
			t.Errorf("%s was not answered with EPERM (1) in errno mode:\n%s", a, res.Stdout)
		}
	}
	for _, a := range attempts {
		cmd := exec.Command(bin, a)
		cmd.Env = env
		res := childtest.RunCommand(t, cmd)
		if res.Signal != syscall.SIGSYS {
			t.Errorf("%s in enforce mode: want death by SIGSYS, got\n%s", a, res)
		}
	}

	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed: the open variant links C code")
	}
	open := programNamed(t, analyzeCached(t, "argrules-open", Config{Tags: []string{"open"}, Env: []string{"CGO_ENABLED=1"}}, "./testdata/argrules"), "argrules")
	for _, name := range []string{"clone", "mmap", "mprotect", "ioctl"} {
		if n, ok := open.Need(name); ok && len(n.Rules) > 0 {
			t.Errorf("%s has a rule %+v although the program can need it: %s", name, n.Rules, n.RulesWhy)
		}
	}
	notes := strings.Join(open.RuleNotes, "\n")
	for _, want := range []string{"clone: no rule on its flags: syscall.SysProcAttr.Cloneflags can be set", "mmap: no rule against PROT_EXEC: C code"} {
		if !strings.Contains(notes, want) {
			t.Errorf("RuleNotes lack %q:\n%s", want, notes)
		}
	}
	bin = buildLocked(t, open, "-tags=open,inject")
	cmd = exec.Command(bin, attempts...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "SELFSANDBOX_MODE=errno")
	res = childtest.RunCommand(t, cmd)
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "ok") {
		t.Fatalf("the open variant did not run to completion:\n%s", res)
	}
	// Past the filter, the kernel answers the clone attempts with EINVAL
	// (22), grants the executable mappings and answers the ioctl on
	// descriptor -1 with EBADF (9).
	for _, want := range []string{"clone-newuser 22\n", "clone-newnet 22\n", "mprotect-exec 0\n", "mmap-exec 0\n", "ioctl-tiocsti 9\n"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("open variant: want %q in\n%s", strings.TrimSpace(want), res.Stdout)
		}
	}
}

// forkGuarded are the syscalls of the fork path's child side that
// SysProcAttr fields guard, which an os/exec program that sets none of
// those fields must not be allowed.
var forkGuarded = []string{"mount", "umount2", "chroot", "pivot_root", "ptrace", "setuid", "setgid", "setgroups", "setresuid", "setresgid", "capset", "unshare", "setns"}

// TestSysProcAttrRules checks that the SysProcAttr fields a program can set
// decide which of the fork path's child-side syscalls it is allowed: none
// for testdata/osexec (which sets no field), exactly chroot and the
// credential calls for testdata/osexecattr (Chroot and Credential), with
// and without pruning, and that RuleNotes name the fields that can be set.
func TestSysProcAttrRules(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses two fixtures twice")
	}
	credentials := []string{"chroot", "setgid", "setgroups", "setuid"}
	for _, noPrune := range []bool{false, true} {
		rep := analyzeCached(t, fmt.Sprintf("sysprocattr-%v", noPrune), Config{ExecChild: true, NoPrune: noPrune}, "./testdata/osexec", "./testdata/osexecattr")
		plain, attr := programNamed(t, rep, "osexec"), programNamed(t, rep, "osexecattr")
		for _, name := range forkGuarded {
			if n, ok := plain.Need(name); ok {
				if noPrune && name == "chroot" {
					// Without pruning the chroot pointer the fork path
					// passes down is not folded (see docs/how-it-works.md).
					continue
				}
				t.Errorf("noprune=%v: osexec sets no SysProcAttr field but is allowed %s: %s", noPrune, name, strings.Join(n.Path, " <- "))
			}
			_, ok := attr.Need(name)
			if want := slices.Contains(credentials, name); ok != want {
				t.Errorf("noprune=%v: osexecattr (Chroot, Credential) allowed %s: %v, want %v", noPrune, name, ok, want)
			}
		}
		notes := strings.Join(attr.RuleNotes, "\n")
		for _, field := range []string{"Chroot (", "Credential ("} {
			if !strings.Contains(notes, field) {
				t.Errorf("noprune=%v: osexecattr's RuleNotes do not name the field %s it sets:\n%s", noPrune, field, notes)
			}
		}
	}
}

// TestSocketFamilies checks the rule on socket's family on the real
// kernel: testdata/sockfamilies, built with netgo and osusergo so that no
// build of it runs the C library's resolver, (TCP on loopback and a unix listener) may
// make AF_INET, AF_INET6 and AF_UNIX sockets and not AF_PACKET ones, and
// injected code asking for an AF_PACKET socket is stopped (EPERM in errno
// mode, SIGSYS in enforce mode) while a unix socket is granted.
func TestSocketFamilies(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses a fixture and runs it under its filter")
	}
	prog := programNamed(t, analyzeCached(t, "sockfamilies", Config{Tags: []string{"netgo", "osusergo"}, Env: []string{"CGO_ENABLED=0"}}, "./testdata/sockfamilies"), "sockfamilies")
	n, ok := prog.Need("socket")
	if !ok {
		t.Fatalf("socket is not allowed: %v", prog.Names())
	}
	families := map[uint64]bool{}
	for _, r := range n.Rules {
		if len(r.Args) != 1 || r.Args[0].Index != 0 || r.Args[0].Op != gen.OpEqual {
			t.Fatalf("socket: want rules on the family alone, got %+v", n.Rules)
		}
		families[r.Args[0].Value] = true
	}
	for _, f := range []uint64{syscall.AF_INET, syscall.AF_INET6, syscall.AF_UNIX} {
		if !families[f] {
			t.Errorf("socket: family %d is not allowed: %+v (%s); notes: %v", f, n.Rules, n.RulesWhy, prog.RuleNotes)
		}
	}
	if families[syscall.AF_PACKET] || len(families) == 0 {
		t.Errorf("socket: want a rule without AF_PACKET, got %+v", n.Rules)
	}
	t.Logf("socket: %s", n.RulesWhy)
	if !strings.Contains(n.RulesWhy, "AF_UNIX") {
		t.Errorf("socket: the rule's reason does not name its families: %q", n.RulesWhy)
	}

	bin := buildLocked(t, prog, "-tags=inject,netgo,osusergo")
	env := append(os.Environ(), "CGO_ENABLED=0")
	attempts := []string{"socket-packet", "socket-unix"}
	cmd := exec.Command(bin, attempts...)
	cmd.Env = append(slices.Clone(env), "SELFSANDBOX_MODE=errno")
	res := childtest.RunCommand(t, cmd)
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "ok") {
		t.Fatalf("the locked program did not run to completion in errno mode:\n%s", res)
	}
	for _, want := range []string{"socket-packet 1\n", "socket-unix 0\n"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("errno mode: want %q in\n%s", strings.TrimSpace(want), res.Stdout)
		}
	}
	cmd = exec.Command(bin, "socket-packet")
	cmd.Env = env
	if res := childtest.RunCommand(t, cmd); res.Signal != syscall.SIGSYS {
		t.Errorf("socket-packet in enforce mode: want death by SIGSYS, got\n%s", res)
	}
	cmd = exec.Command(bin, "socket-unix")
	cmd.Env = env
	if res := childtest.RunCommand(t, cmd); res.ExitCode != 0 || !strings.Contains(res.Stdout, "socket-unix 0\n") {
		t.Errorf("socket-unix in enforce mode: want the socket granted, got\n%s", res)
	}
}

// TestSysProcAttrReflection checks that reflection counts as setting
// SysProcAttr's fields only when it can reach them: testdata/osexecjson
// decodes JSON into a struct of its own and starts a plain child (no
// fork-path child-side syscall is allowed), testdata/osexecjsonattr
// decodes JSON into an *exec.Cmd whose SysProcAttr.Chroot the JSON sets
// (chroot is allowed; TestFixtures runs it under its filter), and
// testdata/osexecjsonatomic decodes into a value reflection may write
// anywhere it reaches, but no *exec.Cmd reaches reflection (os/exec boxes
// one only for runtime.SetFinalizer).
func TestSysProcAttrReflection(t *testing.T) {
	rep := analyzeCached(t, "sysprocattr-json", Config{ExecChild: true}, "./testdata/osexecjson", "./testdata/osexecjsonattr", "./testdata/osexecjsonatomic")
	plain, attr := programNamed(t, rep, "osexecjson"), programNamed(t, rep, "osexecjsonattr")
	for _, p := range []*Program{plain, programNamed(t, rep, "osexecjsonatomic")} {
		for _, name := range forkGuarded {
			if n, ok := p.Need(name); ok {
				t.Errorf("%s: reflection cannot set a SysProcAttr field, but %s is allowed: %s", p.Name, name, strings.Join(n.Path, " <- "))
			}
		}
	}
	if _, ok := attr.Need("chroot"); !ok {
		t.Errorf("osexecjsonattr: encoding/json can set SysProcAttr.Chroot, but chroot is not allowed: %v", attr.Names())
	}
}

// TestCloneRuleSysProcAttr checks that clone keeps its rule against
// namespace flags when reflection can reach SysProcAttr but cannot set its
// fields (testdata/sscanfexec: fmt.Sscanf writes only an int and a
// string), and loses it, with a note saying why, when reflection can set
// any field (testdata/sscanfexecattr).
func TestCloneRuleSysProcAttr(t *testing.T) {
	rep := analyzeCached(t, "clonerule-sscanf", Config{ExecChild: true}, "./testdata/sscanfexec", "./testdata/sscanfexecattr")
	plain, attr := programNamed(t, rep, "sscanfexec"), programNamed(t, rep, "sscanfexecattr")
	if n, ok := plain.Need("clone"); !ok || len(n.Rules) != 1 {
		t.Errorf("sscanfexec: want clone with one rule against namespace flags, got %+v; notes: %v", n.Rules, plain.RuleNotes)
	}
	if n, ok := attr.Need("clone"); !ok || len(n.Rules) != 0 {
		t.Errorf("sscanfexecattr: reflection can set SysProcAttr.Cloneflags, but clone has rules %+v", n.Rules)
	}
	notes := strings.Join(attr.RuleNotes, "\n")
	if want := "clone: no rule on its flags: any field of a syscall.SysProcAttr can be set: reflection"; !strings.Contains(notes, want) {
		t.Errorf("sscanfexecattr: RuleNotes lack %q:\n%s", want, notes)
	}
}
