package containerprofile

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"go.yaml.in/yaml/v3"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/runtimeprofile"
)

// fixture is a program's analysis for goarch: a program syscall with a
// call path, a runtime one, openat with -readonly-fs's rule, clone3
// answered ENOSYS, and a runtime profile with a start-up syscall, a
// never-called one and the poller's creation.
func fixture(goarch string) Input {
	prog := &analyzer.Program{PkgPath: "example.com/srv", Name: "srv", GOARCH: goarch, Syscalls: []analyzer.Need{
		{Name: "accept4", Origin: analyzer.OriginProgram, Path: []string{"example.com/srv.main (srv/main.go:10:2)", "net.(*TCPListener).Accept (src/net/tcpsock.go:1:1)"}},
		{Name: "futex", Origin: "runtime:always"},
		{Name: "openat", Origin: analyzer.OriginProgram},
		{Name: "clone3", Origin: "runtime:new thread"},
	}}
	pol := prog.Policy(gen.KillProcess)
	pol.Syscalls["openat"] = []gen.Rule{{Args: []gen.ArgCond{{Index: 2, Op: gen.OpMaskedEqual, Mask: 0x643, Value: 0}}, Action: gen.Allow}}
	rt := &runtimeprofile.Profile{
		GOARCH: goarch,
		PreMain: []runtimeprofile.Syscall{
			{Name: "mincore", Sites: []runtimeprofile.Site{{PreMainWhy: "runtime.mincore: called only from runtime.sysargs; runtime.rt0_go: entered once"}}},
			{Name: "connect", Sites: []runtimeprofile.Site{{PreMainWhy: "runtime.connect: never called on this GOOS/GOARCH"}}},
		},
		Syscalls: []runtimeprofile.Syscall{
			{Name: "epoll_create1", Sites: []runtimeprofile.Site{{Trigger: runtimeprofile.TriggerNetpollInit}}},
			{Name: "nanosleep", Sites: []runtimeprofile.Site{{Trigger: runtimeprofile.TriggerAlways}}},
		},
	}
	return Input{Program: prog, Policy: pol, Runtime: rt}
}

func entry(t *testing.T, p *Profile, name string) Entry {
	t.Helper()
	for _, e := range p.Entries {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("%s is not in the profile %v", name, p.Names())
	return Entry{}
}

func TestBuildCoversTheWholeLife(t *testing.T) {
	tests := []struct {
		runtime string
		want    []string // besides the program's and the runtime's
		absent  []string
	}{
		{RuntimeRunc, []string{"arch_prctl", "mincore", "epoll_create1", "fstatfs", "getdents64", "execve", "sigaltstack"}, []string{"connect", "nanosleep"}},
		{RuntimeCrun, []string{"arch_prctl", "mincore", "epoll_create1", "execve"}, []string{"connect", "fstatfs", "getdents64"}},
	}
	for _, tt := range tests {
		t.Run(tt.runtime, func(t *testing.T) {
			p, err := Build([]Input{fixture("amd64")}, Options{Runtime: tt.runtime})
			if err != nil {
				t.Fatal(err)
			}
			names := p.Names()
			for _, n := range append([]string{"accept4", "futex", "openat", "clone3"}, tt.want...) {
				if !slices.Contains(names, n) {
					t.Errorf("%s missing from %v", n, names)
				}
			}
			for _, n := range tt.absent {
				if slices.Contains(names, n) {
					t.Errorf("%s should not be in %v", n, names)
				}
			}
			if !slices.IsSorted(names) {
				t.Errorf("entries not sorted: %v", names)
			}
			if got := entry(t, p, "accept4").Origin; got != "program: srv.main (main.go:10)" {
				t.Errorf("accept4 origin %q", got)
			}
			if got := entry(t, p, "epoll_create1").Origin; got != "runtime: netpoll init" {
				t.Errorf("epoll_create1 origin %q", got)
			}
			openat := entry(t, p, "openat")
			wantRules := 1
			if tt.runtime == RuntimeRunc {
				wantRules = 2 // the exec fifo's O_WRONLY open
			}
			if len(openat.Rules) != wantRules {
				t.Errorf("openat has %d rules, want %d: %+v", len(openat.Rules), wantRules, openat.Rules)
			}
		})
	}
}

// TestRuncInitWidensRules: a syscall runc's init makes that the policy
// allows only for some arguments is allowed whole under runc (openat gets
// only the exec fifo's shape), and keeps its rule under crun.
func TestRuncInitWidensRules(t *testing.T) {
	for _, rt := range Runtimes() {
		in := fixture("amd64")
		in.Policy.Syscalls["write"] = []gen.Rule{{Args: []gen.ArgCond{{Index: 0, Op: gen.OpEqual, Value: 1}}, Action: gen.Allow}}
		p, err := Build([]Input{in}, Options{Runtime: rt})
		if err != nil {
			t.Fatal(err)
		}
		w := entry(t, p, "write")
		widened := len(w.Rules) == 1 && len(w.Rules[0].Args) == 0
		if widened != (rt == RuntimeRunc) {
			t.Errorf("%s: write rules %+v (origin %q)", rt, w.Rules, w.Origin)
		}
		if rt == RuntimeRunc && !strings.Contains(w.Origin, "runc init: any arguments") {
			t.Errorf("runc: write origin %q does not say why it is allowed whole", w.Origin)
		}
	}
}

func TestBuildArches(t *testing.T) {
	amd, arm := fixture("amd64"), fixture("arm64")
	p, err := Build([]Input{amd, arm}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := entry(t, p, "arch_prctl").Arches; !slices.Equal(got, []string{"amd64"}) {
		t.Errorf("arch_prctl arches %v, want [amd64]", got)
	}
	if got := entry(t, p, "futex").Arches; got != nil {
		t.Errorf("futex arches %v, want all (nil)", got)
	}
	d, err := p.Docker()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Architectures, []specs.Arch{specs.ArchX86_64, specs.ArchAARCH64}) {
		t.Errorf("architectures %v", d.Architectures)
	}
	for _, s := range d.Syscalls {
		if slices.Contains(s.Names, "arch_prctl") && (s.Includes == nil || !slices.Equal(s.Includes.Arches, []string{"amd64"})) {
			t.Errorf("arch_prctl entry has no includes.arches amd64: %+v", s)
		}
	}

	arm.Policy.Syscalls["openat"] = []gen.Rule{{Action: gen.Allow}}
	if _, err := Build([]Input{amd, arm}, Options{}); err == nil || !strings.Contains(err.Error(), "openat has different argument rules") {
		t.Errorf("different rules per arch: err %v", err)
	}
}

func TestBuildBadInput(t *testing.T) {
	other := fixture("arm64")
	other.Program.PkgPath = "example.com/other"
	errnoDefault := fixture("arm64")
	errnoDefault.Policy.Default = gen.Errno(1)
	tests := []struct {
		name   string
		inputs []Input
		opts   Options
		want   string
	}{
		{"none", nil, Options{}, "no analysis"},
		{"runtime", []Input{fixture("amd64")}, Options{Runtime: "docker"}, `unknown container runtime "docker"`},
		{"two programs", []Input{fixture("amd64"), other}, Options{}, "one profile is for one program"},
		{"two defaults", []Input{fixture("amd64"), errnoDefault}, Options{}, "use one -mode"},
		{"arch twice", []Input{fixture("amd64"), fixture("amd64")}, Options{}, "amd64 given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(tt.inputs, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
}

func TestArgs(t *testing.T) {
	tests := []struct {
		cond gen.ArgCond
		want specs.LinuxSeccompArg
	}{
		{gen.ArgCond{Index: 0, Op: gen.OpEqual, Value: 1 << 40}, specs.LinuxSeccompArg{Index: 0, Value: 1 << 40, Op: specs.OpEqualTo}},
		{gen.ArgCond{Index: 1, Op: gen.OpNotEqual, Value: 3}, specs.LinuxSeccompArg{Index: 1, Value: 3, Op: specs.OpNotEqual}},
		{gen.ArgCond{Index: 2, Op: gen.OpMaskedEqual, Mask: 0x643, Value: 1}, specs.LinuxSeccompArg{Index: 2, Value: 0x643, ValueTwo: 1, Op: specs.OpMaskedEqual}},
		{gen.ArgCond{Index: 3, Op: gen.OpBitsAllowed, Value: 0xff}, specs.LinuxSeccompArg{Index: 3, Value: ^uint64(0xff), ValueTwo: 0, Op: specs.OpMaskedEqual}},
		{gen.ArgCond{Index: 4, Op: gen.OpLess, Value: 5}, specs.LinuxSeccompArg{Index: 4, Value: 5, Op: specs.OpLessThan}},
		{gen.ArgCond{Index: 4, Op: gen.OpLessEqual, Value: 5}, specs.LinuxSeccompArg{Index: 4, Value: 5, Op: specs.OpLessEqual}},
		{gen.ArgCond{Index: 5, Op: gen.OpGreater, Value: 5}, specs.LinuxSeccompArg{Index: 5, Value: 5, Op: specs.OpGreaterThan}},
		{gen.ArgCond{Index: 5, Op: gen.OpGreaterEqual, Value: 5}, specs.LinuxSeccompArg{Index: 5, Value: 5, Op: specs.OpGreaterEqual}},
	}
	for _, tt := range tests {
		t.Run(tt.cond.Op.String(), func(t *testing.T) {
			got, err := args([]gen.ArgCond{tt.cond})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("args(%+v) = %+v, want %+v", tt.cond, got, tt.want)
			}
			// The two agree on every sampled argument.
			for _, v := range []uint64{0, 1, 3, 5, 6, 0xff, 0x100, 0x643, 1 << 40, ^uint64(0)} {
				if tt.cond.Holds(v) != libseccompHolds(got[0], v) {
					t.Errorf("arg %#x: gen says %v, libseccomp's reading says %v", v, tt.cond.Holds(v), !tt.cond.Holds(v))
				}
			}
		})
	}
}

// libseccompHolds is libseccomp's meaning of a comparison.
func libseccompHolds(a specs.LinuxSeccompArg, v uint64) bool {
	switch a.Op {
	case specs.OpEqualTo:
		return v == a.Value
	case specs.OpNotEqual:
		return v != a.Value
	case specs.OpMaskedEqual:
		return v&a.Value == a.ValueTwo
	case specs.OpLessThan:
		return v < a.Value
	case specs.OpLessEqual:
		return v <= a.Value
	case specs.OpGreaterThan:
		return v > a.Value
	case specs.OpGreaterEqual:
		return v >= a.Value
	}
	return false
}

func TestActions(t *testing.T) {
	tests := []struct {
		act   gen.Action
		want  specs.LinuxSeccompAction
		errno uint
	}{
		{gen.KillProcess, specs.ActKillProcess, 0},
		{gen.KillThread, specs.ActKillThread, 0},
		{gen.Trap, specs.ActTrap, 0},
		{gen.Errno(38), specs.ActErrno, 38},
		{gen.Log, specs.ActLog, 0},
		{gen.Allow, specs.ActAllow, 0},
	}
	for _, tt := range tests {
		got, errno, err := action(tt.act)
		if err != nil || got != tt.want || (errno == nil) != (tt.errno == 0) || errno != nil && *errno != tt.errno {
			t.Errorf("action(%s) = %s, %v, %v; want %s errno %d", tt.act, got, errno, err, tt.want, tt.errno)
		}
	}
	if _, _, err := action(gen.Trace(1)); err == nil {
		t.Error("trace has no profile form but converted")
	}
}

func TestOCIStrict(t *testing.T) {
	p, err := Build([]Input{fixture("amd64")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.OCIJSON()
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var got specs.LinuxSeccomp
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("not a runtime-spec linux.seccomp: %v\n%s", err, b)
	}
	allowed := map[string]bool{}
	for _, s := range got.Syscalls {
		if s.Action == specs.ActAllow {
			for _, n := range s.Names {
				allowed[n] = true
			}
		}
		if slices.Contains(s.Names, "clone3") && (s.Action != specs.ActErrno || s.ErrnoRet == nil || *s.ErrnoRet != 38) {
			t.Errorf("clone3: %+v, want errno 38", s)
		}
	}
	for _, n := range p.Names() {
		if n != "clone3" && !allowed[n] {
			t.Errorf("%s not allowed in the OCI profile", n)
		}
	}
	if got.DefaultAction != specs.ActKillProcess || len(got.Flags) != 0 {
		t.Errorf("default %s, flags %v (runc 1.1 rejects flags)", got.DefaultAction, got.Flags)
	}
}

func TestDockerComments(t *testing.T) {
	p, err := Build([]Input{fixture("amd64")}, Options{Runtime: RuntimeCrun})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.DockerJSON()
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var got seccomp.Seccomp
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("not a Docker profile: %v\n%s", err, b)
	}
	comments := map[string]string{}
	for _, s := range got.Syscalls {
		for _, n := range s.Names {
			comments[n] = s.Comment
		}
	}
	for name, want := range map[string]string{"execve": "crun init", "futex": "runtime: always", "mincore": "runtime: start-up"} {
		if comments[name] != want {
			t.Errorf("%s comment %q, want %q", name, comments[name], want)
		}
	}
}

func TestSPO(t *testing.T) {
	p, err := Build([]Input{fixture("amd64")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.SPO("")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Spec struct {
			DefaultAction string   `yaml:"defaultAction"`
			Architectures []string `yaml:"architectures"`
			Syscalls      []struct {
				Action   string   `yaml:"action"`
				ErrnoRet *uint    `yaml:"errnoRet"`
				Names    []string `yaml:"names"`
				Args     []struct {
					Index    uint   `yaml:"index"`
					Value    uint64 `yaml:"value"`
					ValueTwo uint64 `yaml:"valueTwo"`
					Op       string `yaml:"op"`
				} `yaml:"args"`
			} `yaml:"syscalls"`
		} `yaml:"spec"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("not YAML of the expected shape: %v\n%s", err, b)
	}
	if res.APIVersion != SPOAPIVersion || res.Kind != SPOKind || res.Metadata.Name != "srv" {
		t.Errorf("apiVersion %q kind %q name %q", res.APIVersion, res.Kind, res.Metadata.Name)
	}
	if res.Spec.DefaultAction != "SCMP_ACT_KILL_PROCESS" || !slices.Equal(res.Spec.Architectures, []string{"SCMP_ARCH_X86_64"}) {
		t.Errorf("spec %+v", res.Spec)
	}
	var names []string
	masked := 0
	for _, s := range res.Spec.Syscalls {
		names = append(names, s.Names...)
		for _, a := range s.Args {
			if a.Op == "SCMP_CMP_MASKED_EQ" && a.Index == 2 && a.Value == 0x643 {
				masked++
			}
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if !slices.Equal(names, p.Names()) {
		t.Errorf("names %v, want %v", names, p.Names())
	}
	if masked != 2 {
		t.Errorf("%d masked openat rules, want 2 (read-only and runc's fifo)", masked)
	}
	if _, err := p.SPO("Not_A_Name"); err == nil {
		t.Error("a bad resource name was accepted")
	}
}

func TestDNSLabel(t *testing.T) {
	for in, want := range map[string]string{"webserver": "webserver", "My_Server": "my-server", "__": "program", strings.Repeat("a", 70): strings.Repeat("a", 63)} {
		if got := dnsLabel(in); got != want {
			t.Errorf("dnsLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
