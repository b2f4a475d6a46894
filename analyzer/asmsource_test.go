package analyzer

import (
	"reflect"
	"testing"

	"golang.org/x/tools/go/packages"
)

func TestReadAsm(t *testing.T) {
	pkg := &packages.Package{PkgPath: "example.com/p", OtherFiles: []string{"testdata/asmsample/sample.s", "testdata/asmsample/missing.s"}}
	got := readAsm([]*packages.Package{pkg})
	cases := []struct {
		sym   string
		traps int
		names []string
		jumps []asmRef
		calls []asmRef
	}{
		{"example.com/p.rawGetpid", 1, []string{"getpid"}, nil, nil},
		{"example.com/p.forward", 0, nil, []asmRef{{"golang.org/x/sys/unix", "Syscall"}}, nil},
		{"example.com/p.helper", 0, nil, nil, []asmRef{{"example.com/p", "rawGetpid"}}},
		{"example.com/p.svcUnknown", 1, nil, nil, nil},
		{"example.com/p.quiet", 0, nil, nil, nil},
	}
	if len(got) != len(cases) {
		t.Errorf("read %d TEXT symbols, want %d: %v", len(got), len(cases), got)
	}
	for _, c := range cases {
		f := got[c.sym]
		if f == nil {
			t.Errorf("%s not found", c.sym)
			continue
		}
		if f.traps != c.traps || !reflect.DeepEqual(f.sysNames, c.names) || !reflect.DeepEqual(f.jumps, c.jumps) || !reflect.DeepEqual(f.calls, c.calls) {
			t.Errorf("%s = traps %d names %v jumps %v calls %v; want %d %v %v %v", c.sym, f.traps, f.sysNames, f.jumps, f.calls, c.traps, c.names, c.jumps, c.calls)
		}
	}
}
