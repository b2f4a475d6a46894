package analyzer

import "testing"

// TestPrecisionFixtures checks fixtures that each separate syscalls a
// program reaches from ones only an imprecise call graph would give it,
// analysed without the runtime's baseline; TestFixtures runs the same
// programs under their filters and strace.
//
//   - globalfield: a function kept only in a field of a package variable
//     (a package-level sync.Pool's New, a handler table) is reached through
//     a call through a func value only when code that reads that variable
//     is reachable; it reads one pool and one table of two each.
//   - reflectflow: an interface call gets the methods of the types
//     reflection reaches only when a value made by reflection can flow to
//     its receiver; it calls Probe on a prober kept in an unexported
//     field, converts another prober (unseen) to an interface it never
//     calls, and takes two reflection paths that must stay allowed.
//   - nilfield: a branch on a pointer field being non-nil runs only if
//     reached code (or reflection) can store a non-nil value there.
//   - fieldbits: a method returning bits&mask != 0 folds when no
//     reached code sets those bits of the field.
//   - refinereach: the call graph is walked again without the calls in
//     blocks that cannot run (a type assertion no value passes), so a
//     pool only such a block reads is never read.
//   - networkmodel, networkmodelunix: the network string given to
//     net.Listen decides the type of the listener, so closing a TCP
//     listener through net.Listener does not reach UnixListener.Close's
//     unlink, and closing a unix one does.
//   - sscanfexec, sscanfexecattr: fmt.Sscanf writes through reflection
//     into what its ...any holds; a slice literal fmt only reads holds
//     what was stored into it (pointers to an int and a string), so
//     reflection cannot set SysProcAttr's fields and the fork path's
//     child-side syscalls fold away; a slice written after it was made
//     (with a pointer reflection made to SysProcAttr.Chroot) keeps chroot.
//   - osexecjsonhidden, osexecjsonembedded: encoding/json cannot set what
//     it reaches only through an unexported field (an *exec.Cmd kept in
//     one), so its SysProcAttr branches fold; it can set the exported
//     fields of an embedded unexported struct, so chroot stays allowed.
//   - osexecjsonany: encoding/json decodes into the *exec.Cmd an exported
//     field of type any holds, so the types the program stores in an
//     interface field count as written: chroot stays allowed.
//   - osexecjsonanyprint: json fills a []any; the values the program
//     stores into other []any (an *exec.Cmd in fmt's ...any, an array
//     only read) are in no memory reflection reaches: chroot folds away.
func TestPrecisionFixtures(t *testing.T) {
	type want struct {
		name    string
		allowed bool
		why     string
	}
	for _, fx := range []struct {
		name  string
		wants []want
	}{
		{"globalfield", []want{
			{"getppid", true, "New of the pool main reads"},
			{"getpriority", true, "probe of the table main reads"},
			{"getpgid", false, "New of a pool nothing reads"},
			{"getsid", false, "probe of a table nothing reads"},
			// internal/poll's splice pipe pool: the program splices nothing.
			{"pipe2", false, "New of internal/poll's pipe pool, which only splice code reads"},
		}},
		{"reflectflow", []want{
			{"getppid", true, "Probe of the prober stored in box.p"},
			{"getsid", true, "Report of a value read back with reflect.Value.Interface"},
			{"getpgid", true, "Report of a value reflect.Value.Set wrote into Holder.R"},
			{"getpriority", false, "Probe of a prober converted to an interface but never stored where Probe is called"},
		}},
		{"nilfield", []want{
			{"getppid", true, "flush of the tracer enableTrace sets"},
			{"getpriority", true, "fire of the hook encoding/json sets by reflection"},
			{"getpgid", false, "removeAll of a form only the never-called parseForm sets"},
		}},
		{"fieldbits", []want{
			{"getppid", true, "the read bit main's modes set"},
			{"getpgid", false, "the debug bit only a never-called setter sets"},
		}},
		{"refinereach", []want{
			{"getppid", true, "New of the pool write reads"},
			{"getpgid", false, "New of a pool only a type-assertion branch no value passes reads"},
		}},
		{"networkmodel", []want{
			{"accept4", true, "Accept of the listener net.Listen(\"tcp\") returned"},
			{"unlinkat", false, "Close of a UnixListener, which net.Listen(\"tcp\") cannot return"},
		}},
		{"networkmodelunix", []want{
			{"unlinkat", true, "Close of the UnixListener net.Listen(\"unix\") returned"},
		}},
		{"sscanfexec", []want{
			{"execve", true, "the child os/exec starts"},
			{"chroot", false, "SysProcAttr.Chroot, which neither Go code nor fmt's reflection can set"},
			{"setuid", false, "SysProcAttr.Credential, which neither Go code nor fmt's reflection can set"},
			{"ptrace", false, "SysProcAttr.Ptrace, which neither Go code nor fmt's reflection can set"},
			{"unshare", false, "SysProcAttr.Unshareflags, which neither Go code nor fmt's reflection can set"},
		}},
		{"osexecjsonhidden", []want{
			{"execve", true, "the child os/exec starts"},
			{"chroot", false, "SysProcAttr.Chroot of a command kept in an unexported field"},
			{"setuid", false, "SysProcAttr.Credential of a command kept in an unexported field"},
		}},
		{"osexecjsonembedded", []want{
			{"chroot", true, "SysProcAttr.Chroot, which json sets through an embedded unexported struct"},
		}},
		{"osexecjsonany", []want{
			{"chroot", true, "SysProcAttr.Chroot of the *exec.Cmd an exported field of type any holds, which json decodes into"},
		}},
		{"osexecjsonanyprint", []want{
			{"execve", true, "the child os/exec starts"},
			{"chroot", false, "SysProcAttr.Chroot of a command only fmt's ...any holds, which no reflection writes"},
		}},
		{"sscanfexecattr", []want{
			{"chroot", true, "SysProcAttr.Chroot, scanned through a pointer reflection made and fill stored into the ...any"},
		}},
	} {
		rep := analyzeCached(t, fx.name, Config{NoRuntime: true}, "./testdata/"+fx.name)
		prog := programNamed(t, rep, fx.name)
		for _, c := range fx.wants {
			if _, ok := prog.Need(c.name); ok != c.allowed {
				t.Errorf("%s: %s (%s): allowed = %v, want %v; allowed: %v", fx.name, c.name, c.why, ok, c.allowed, prog.Names())
			}
		}
	}
}
