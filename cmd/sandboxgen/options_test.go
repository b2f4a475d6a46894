package main

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string // substring of the error; "" for success
		check   func(t *testing.T, o *options)
	}{
		{args: nil, check: func(t *testing.T, o *options) {
			if !slices.Equal(o.patterns, []string{"."}) || !slices.Equal(o.arches, []string{"amd64", "arm64"}) || o.mode != "enforce" {
				t.Errorf("defaults: patterns %v arches %v mode %q", o.patterns, o.arches, o.mode)
			}
		}},
		{args: []string{"-arch", "arm64, amd64,arm64", "-allow", "ptrace", "-deny", "connect,socket", "./..."}, check: func(t *testing.T, o *options) {
			if !slices.Equal(o.arches, []string{"arm64", "amd64"}) || !slices.Equal(o.deny, []string{"connect", "socket"}) ||
				!slices.Equal(o.allow, []string{"ptrace"}) || !slices.Equal(o.patterns, []string{"./..."}) {
				t.Errorf("got %+v", o)
			}
		}},
		{args: []string{"-o", "seccomp_{arch}.go", "-mode", "trap"}, check: func(t *testing.T, o *options) {
			if fileName(o, "arm64") != "seccomp_arm64.go" || o.mode != "trap" {
				t.Errorf("fileName %q mode %q", fileName(o, "arm64"), o.mode)
			}
		}},
		{args: []string{"-arch", "amd64", "-o", "filter.go"}, check: func(t *testing.T, o *options) {
			if fileName(o, "amd64") != "filter.go" {
				t.Errorf("fileName %q", fileName(o, "amd64"))
			}
		}},
		{args: []string{"-mode", "kill"}, wantErr: `-mode "kill": unknown mode; use one of enforce, trap, errno, log`},
		{args: []string{"-arch", "sparc64"}, wantErr: "-arch sparc64: unknown or unsupported GOARCH; use one of 386, amd64"},
		{args: []string{"-arch", ""}, wantErr: "-arch is empty"},
		{args: []string{"-allow", "opneat"}, wantErr: "-allow opneat: no such syscall on amd64, arm64; did you mean openat?"},
		{args: []string{"-deny", "conect"}, wantErr: "did you mean connect?"},
		{args: []string{"-why", "execv"}, wantErr: "-why execv: no such syscall on amd64, arm64; did you mean execve?"},
		{args: []string{"-allow", "zzzzzzzzzzzzzzzzzz"}, wantErr: "-allow zzzzzzzzzzzzzzzzzz: no such syscall on amd64, arm64"},
		{args: []string{"-allow", "open"}}, // on amd64 only: fine
		{args: []string{"-arch", "arm64", "-allow", "open"}, wantErr: "-allow open: no such syscall on arm64; did you mean"},
		{args: []string{"-allow", "read", "-deny", "read"}, wantErr: "read is in both -allow and -deny"},
		{args: []string{"-arch", "amd64,arm64", "-o", "filter.go"}, wantErr: `-o "filter.go" names one file but -arch names 2 architectures; put {arch} in the name`},
		{args: []string{"-arch", "amd64", "-o", "sub/f_{arch}.go"}, wantErr: "give a file name, not a path"},
		{args: []string{"-arch", "amd64", "-o", "f_{arch}.txt"}, wantErr: "must end in .go"},
		{args: []string{"-arch", "amd64,arm64", "-o", "sb_windows_{arch}.go"}, wantErr: "go build leaves sb_windows_amd64.go out of the program on linux/amd64"},
		{args: []string{"-arch", "amd64", "-o", "sb_{arch}_test.go"}, wantErr: "sb_amd64_test.go is a test file"},
		{args: []string{"-arch", "amd64", "-o", "_sb_{arch}.go"}, wantErr: "go build leaves _sb_amd64.go out"},
		{args: []string{"-arch", "amd64", "-o", ".sb_{arch}.go"}, wantErr: "go build leaves .sb_amd64.go out"},
		{args: []string{"-arch", "amd64", "-o", "sb_linux_arm64.go"}, wantErr: "go build leaves sb_linux_arm64.go out of the program on linux/amd64"},
		{args: []string{"-arch", "amd64", "-o", "sb_{arch}_riscv64.go"}, wantErr: "go build leaves sb_amd64_riscv64.go out"},
		{args: []string{"-arch", "amd64", "-o", "sb {arch}.go"}, wantErr: "must not contain spaces"},
		{args: []string{"-o", "sb_linux_{arch}.go"}},
		{args: []string{"-o", "seccomp_{arch}.go", "-arch", "amd64,arm64,riscv64"}},
		{args: []string{"-why", "158", "-allow", "0", "-deny", "42"}},
		{args: []string{"-why", "99999"}, wantErr: "-why 99999: no syscall has that number on amd64, arm64"},
		{args: []string{"-arch", "arm64", "-deny", "400"}, wantErr: "-deny 400: no syscall has that number on arm64"},
		{args: []string{"-callgraph", "pta"}, wantErr: `-callgraph "pta": unknown algorithm`},
		{args: []string{"-why", "read", "-check"}, wantErr: "-why and -check do not go together"},
		{args: []string{"-nosuchflag"}, wantErr: "flag provided but not defined: -nosuchflag (run sandboxgen -h for help)"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			o, err := parseOptions(tt.args, io.Discard)
			if tt.wantErr != "" {
				var ue *usageError
				if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want a usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, o)
			}
		})
	}
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	var out strings.Builder
	_, err := parseOptions([]string{"-h"}, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h gave %v, want flag.ErrHelp", err)
	}
	for _, f := range []string{"-arch", "-mode", "-allow", "-deny", "-why", "-json", "-check", "-v", "-o", "-tags",
		"-allow-unresolved", "-readonly-fs", "-exec-child", "-noprune", "-callgraph", "Exit status: 0", "go:generate"} {
		if !strings.Contains(out.String(), f) {
			t.Errorf("-h does not mention %s", f)
		}
	}
}
