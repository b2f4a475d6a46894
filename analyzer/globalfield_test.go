package analyzer

import "testing"

// TestGlobalFieldValues checks that a function kept only in a field of a
// package variable (a package-level sync.Pool's New, a handler table) is
// reached through a call through a func value only when code that reads
// that variable is reachable: testdata/globalfield reads one pool and one
// table of two each. TestFixtures runs the same program under its filter
// and strace.
func TestGlobalFieldValues(t *testing.T) {
	rep := analyzeCached(t, "globalfield", Config{NoRuntime: true}, "./testdata/globalfield")
	prog := programNamed(t, rep, "globalfield")
	for _, c := range []struct {
		name    string
		allowed bool
		why     string
	}{
		{"getppid", true, "New of the pool main reads"},
		{"getpriority", true, "probe of the table main reads"},
		{"getpgid", false, "New of a pool nothing reads"},
		{"getsid", false, "probe of a table nothing reads"},
		// internal/poll's splice pipe pool: the program splices nothing.
		{"pipe2", false, "New of internal/poll's pipe pool, which only splice code reads"},
	} {
		if _, ok := prog.Need(c.name); ok != c.allowed {
			t.Errorf("%s (%s): allowed = %v, want %v; allowed: %v", c.name, c.why, ok, c.allowed, prog.Names())
		}
	}
}

// TestReflectFlow checks that an interface call gets the methods of the
// types reflection reaches only when a value made by reflection can flow
// to its receiver: testdata/reflectflow calls Probe on a prober kept in an
// unexported field, and converts another prober (unseen) to an interface
// it never calls. TestFixtures runs the program under its filter and
// strace, which shows the two reflection paths it takes are allowed.
func TestReflectFlow(t *testing.T) {
	rep := analyzeCached(t, "reflectflow", Config{NoRuntime: true}, "./testdata/reflectflow")
	prog := programNamed(t, rep, "reflectflow")
	for _, c := range []struct {
		name    string
		allowed bool
		why     string
	}{
		{"getppid", true, "Probe of the prober stored in box.p"},
		{"getsid", true, "Report of a value read back with reflect.Value.Interface"},
		{"getpgid", true, "Report of a value reflect.Value.Set wrote into Holder.R"},
		{"getpriority", false, "Probe of a prober converted to an interface but never stored where Probe is called"},
	} {
		if _, ok := prog.Need(c.name); ok != c.allowed {
			t.Errorf("%s (%s): allowed = %v, want %v; allowed: %v", c.name, c.why, ok, c.allowed, prog.Names())
		}
	}
}
