package selfsandbox

import (
	"errors"
	"strings"
	"testing"
)

func TestParseMode(t *testing.T) {
	tests := []struct {
		in   string
		want Mode
		err  bool
	}{
		{"enforce", ModeEnforce, false},
		{" Trap\n", ModeTrap, false},
		{"ERRNO", ModeErrno, false},
		{"log", ModeLog, false},
		{"default", ModeDefault, true},
		{"kill", ModeDefault, true},
		{"", ModeDefault, true},
	}
	for _, tc := range tests {
		got, err := ParseMode(tc.in)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("ParseMode(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && !strings.Contains(err.Error(), "enforce, trap, errno, log") {
			t.Errorf("ParseMode(%q): %q does not list the modes", tc.in, err)
		}
	}
}

func TestModeActions(t *testing.T) {
	tests := []struct {
		mode Mode
		ret  uint32
		ok   bool
	}{
		{ModeDefault, 0, false},
		{ModeEnforce, 0x80000000, true},
		{ModeTrap, 0x00030000, true},
		{ModeErrno, 0x00050001, true},
		{ModeLog, 0x7ffc0000, true},
		{Mode(9), 0, false},
	}
	for _, tc := range tests {
		ret, ok := tc.mode.Action()
		if ret != tc.ret || ok != tc.ok {
			t.Errorf("%v.Action() = %#x, %v; want %#x, %v", tc.mode, ret, ok, tc.ret, tc.ok)
		}
		if ok && modeOfAction(ret) != tc.mode {
			t.Errorf("modeOfAction(%#x) = %v, want %v", ret, modeOfAction(ret), tc.mode)
		}
	}
	if got := Mode(9).String(); got != "Mode(9)" {
		t.Errorf("Mode(9).String() = %q", got)
	}
}

func TestResolveMode(t *testing.T) {
	tests := []struct {
		name string
		env  string // "-" for unset
		opts Options
		want Mode
		err  string
	}{
		{"nothing", "-", Options{}, ModeDefault, ""},
		{"empty env", " ", Options{}, ModeDefault, ""},
		{"env", "log", Options{}, ModeLog, ""},
		{"code wins", "log", Options{Mode: ModeErrno}, ModeErrno, ""},
		{"ignore env", "log", Options{IgnoreEnv: true}, ModeDefault, ""},
		{"bad env", "off", Options{}, ModeDefault, `SELFSANDBOX_MODE="off" is not a mode`},
		{"bad env ignored", "off", Options{IgnoreEnv: true}, ModeDefault, ""},
		{"bad code mode", "-", Options{Mode: Mode(7)}, ModeDefault, "Options.Mode is Mode(7)"},
	}
	old := lookupEnv
	defer func() { lookupEnv = old }()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lookupEnv = func(k string) (string, bool) {
				if k != EnvMode || tc.env == "-" {
					return "", false
				}
				return tc.env, true
			}
			got, err := resolveMode(tc.opts)
			if got != tc.want {
				t.Errorf("mode %v, want %v", got, tc.want)
			}
			if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("error %v, want %q", err, tc.err)
			}
		})
	}
}

func TestCheckGoVersion(t *testing.T) {
	tests := []struct {
		program, running string
		ok               bool
	}{
		{"go1.26.8", "go1.26.8", true},
		{"go1.26.0", "go1.26.8", true},
		{"go1.26rc1", "go1.26.8", true},
		{"go1.26.8", "go1.26.8 X:nocoverageredesign", true},
		{"go1.27.0", "devel go1.27-abcdef Tue Jan 1 +0000 2026", true},
		{"go1.25.3", "go1.26.8", false},
		{"go1.2", "go1.26.8", false},
		{"", "go1.26.8", false},
		{"go1.26.8", "devel +abcdef", false},
	}
	for _, tc := range tests {
		err := checkGoVersion(tc.program, tc.running)
		if (err == nil) != tc.ok {
			t.Errorf("checkGoVersion(%q, %q) = %v, want ok=%v", tc.program, tc.running, err, tc.ok)
		}
		var verr *GoVersionError
		if err != nil && (!errors.As(err, &verr) || verr.Program != tc.program || verr.Running != tc.running ||
			!strings.Contains(err.Error(), "go generate") || !strings.Contains(err.Error(), "AllowGoVersionMismatch")) {
			t.Errorf("checkGoVersion(%q, %q): %v is not a *GoVersionError naming the fix", tc.program, tc.running, err)
		}
	}
}

// validProgram allows everything of amd64 and kills the rest.
func validProgram() Program {
	return Program{
		Arch: "amd64", AuditArch: 0xc000003e, DefaultAction: retKillProcess,
		Instructions: []Instruction{
			{Code: bpfLD | bpfW | bpfABS, K: 4},
			{Code: bpfJMP | bpfJEQ | bpfK, Jt: 1, K: 0xc000003e},
			{Code: bpfRET | bpfK, K: retKillProcess},
			{Code: bpfRET | bpfK, K: retAllow},
		},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *Program)
		msg    string // "" for valid
	}{
		{"valid", func(*Program) {}, ""},
		{"no arch", func(p *Program) { p.Arch = "" }, "Arch is empty"},
		{"unknown arch", func(p *Program) { p.Arch = "sparc64" }, `"sparc64" is not`},
		{"wrong audit arch", func(p *Program) { p.AuditArch = 0x40000003 }, "AuditArch is 0x40000003"},
		{"kill thread", func(p *Program) { p.DefaultAction = retKillThread }, "KILL_THREAD"},
		{"allow", func(p *Program) { p.DefaultAction = retAllow }, "SECCOMP_RET_ALLOW"},
		{"user notif", func(p *Program) { p.DefaultAction = retUserNotif }, "USER_NOTIF"},
		{"errno ok", func(p *Program) { p.DefaultAction = retErrno | 1 }, ""},
		{"no instructions", func(p *Program) { p.Instructions = nil }, "no instructions"},
		{"too long", func(p *Program) {
			p.Instructions = append(make([]Instruction, 4096), Instruction{Code: bpfRET | bpfK})
			for i := range 4096 {
				p.Instructions[i] = Instruction{Code: bpfLD | bpfW | bpfABS}
			}
		}, "4097 instructions"},
		{"bad opcode", func(p *Program) { p.Instructions[0].Code = 0x28 }, "opcode 0x0028"}, // BPF_LD|BPF_H|BPF_ABS
		{"load past data", func(p *Program) { p.Instructions[0].K = 64 }, "offset 64"},
		{"unaligned load", func(p *Program) { p.Instructions[0].K = 2 }, "offset 2"},
		{"jump past end", func(p *Program) { p.Instructions[1].Jt = 2 }, "goes past the end"},
		{"ja past end", func(p *Program) { p.Instructions[1] = Instruction{Code: bpfJMP | bpfJA, K: 2} }, "jump by 2"},
		{"no return at end", func(p *Program) { p.Instructions[3] = Instruction{Code: bpfLD | bpfW | bpfABS} }, "not a return"},
		{"divide by zero", func(p *Program) { p.Instructions[0] = Instruction{Code: bpfALU | bpfDIV | bpfK} }, "division by the constant 0"},
		{"shift", func(p *Program) { p.Instructions[0] = Instruction{Code: bpfALU | bpfLSH | bpfK, K: 32} }, "shift by 32"},
		{"slot", func(p *Program) { p.Instructions[0] = Instruction{Code: bpfST, K: 16} }, "slot 16"},
		{"unstored slot", func(p *Program) { p.Instructions[0] = Instruction{Code: bpfLD | bpfMEM, K: 3} }, "slot 3, which may not"},
		{"stored slot", func(p *Program) {
			p.Instructions = append([]Instruction{{Code: bpfST, K: 3}, {Code: bpfLD | bpfMEM, K: 3}}, p.Instructions...)
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := validProgram()
			tc.change(&p)
			err := p.Validate()
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidProgram) || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "regenerate") {
				t.Fatalf("Validate: %v, want ErrInvalidProgram mentioning %q and the fix", err, tc.msg)
			}
		})
	}
}

func TestWithDenyAction(t *testing.T) {
	p := validProgram()
	same := withDenyAction(p.Instructions, retKillProcess, retKillProcess)
	if &same[0] != &p.Instructions[0] {
		t.Error("withDenyAction copied the program although nothing changes")
	}
	got := withDenyAction(p.Instructions, retKillProcess, retErrno|1)
	if got[2].K != retErrno|1 || got[3].K != retAllow || got[1].K != 0xc000003e {
		t.Errorf("rewritten program %+v: want only the denying return changed", got)
	}
	if p.Instructions[2].K != retKillProcess {
		t.Error("withDenyAction changed the registered program")
	}
}

func TestRegister(t *testing.T) {
	const arch = "test-arch-register"
	p := validProgram()
	p.Arch = arch
	Register(p)
	p.Instructions[0].K = 99 // the registry keeps its own copy
	got, ok := Registered(arch)
	if !ok || got.Instructions[0].K != 4 {
		t.Fatalf("Registered(%q) = %+v, %v; want the program as registered", arch, got, ok)
	}
	for name, p := range map[string]Program{"duplicate": p, "no arch": {}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register of %s did not panic", name)
				}
			}()
			Register(p)
		}()
	}
	registry.mu.Lock()
	delete(registry.programs, arch)
	registry.mu.Unlock()
}

func TestDidYouMean(t *testing.T) {
	allowed := []Syscall{{Name: "uname"}, {Name: "munmap"}, {Name: "socket"}, {Name: "listen"}}
	tests := map[string]string{
		"unmae":   `"uname"`,
		"sockt":   `"socket"`,
		"lisen":   `"listen"`,
		"openat2": "a typo, or the program denies it already",
	}
	for in, want := range tests {
		if got := didYouMean(in, allowed); !strings.Contains(got, want) {
			t.Errorf("didYouMean(%q) = %q, want %s", in, got, want)
		}
	}
}
