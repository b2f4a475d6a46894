package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestBuildPolicyChildNeeds checks how buildPolicy merges the learned file
// and the shell preset, and that a package without the file gets the same
// policy as before.
func TestBuildPolicyChildNeeds(t *testing.T) {
	program := []string{"openat", "read", "write"}
	runtime := []string{"futex", "mmap", "clone"}
	base := options{mode: "enforce"}
	want, _, err := buildPolicy(fakeProgram("amd64", program, runtime), &base)
	if err != nil {
		t.Fatal(err)
	}

	empty := fakeProgram("amd64", program, runtime)
	empty.Dir = t.TempDir()
	got, changes, err := buildPolicy(empty, &base)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || len(changes) != 0 {
		t.Errorf("a package without %s: policy or changes differ (changes %v)", learnedFile, changes)
	}

	learned := fakeProgram("amd64", program, runtime)
	learned.Dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(learned.Dir, learnedFile), []byte("vfork /usr/bin/dash\nstatfs /usr/bin/ls # trace on amd64\nread /usr/bin/cat\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, changes, err = buildPolicy(learned, &base)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, c := range changes {
		reasons[c.Name] = c.Reason
	}
	wantReasons := map[string]string{
		"statfs": "learned: child /usr/bin/ls (sandbox.learned)",
		"vfork":  "learned: child /usr/bin/dash (sandbox.learned)",
	}
	if !reflect.DeepEqual(reasons, wantReasons) {
		t.Errorf("changes with a learned file: %v, want %v", reasons, wantReasons)
	}
	for _, name := range []string{"statfs", "vfork", "read"} {
		if _, ok := got.Syscalls[name]; !ok {
			t.Errorf("%s not allowed after merging the learned file", name)
		}
	}

	shell := base
	shell.execChild, shell.execShell = true, true
	shell.deny = []string{"connect"}
	got, changes, err = buildPolicy(fakeProgram("arm64", program, runtime), &shell)
	if err != nil {
		t.Fatal(err)
	}
	reasons = map[string]string{}
	for _, c := range changes {
		reasons[c.Name] = c.Reason
	}
	for _, name := range []string{"fadvise64", "statfs", "unlinkat", "faccessat", "dup3", "ppoll"} {
		if _, ok := got.Syscalls[name]; !ok || !strings.HasPrefix(reasons[name], "-exec-child=shell (exec-child:shell: ") {
			t.Errorf("arm64 -exec-child=shell: %s allowed %v, reason %q", name, ok, reasons[name])
		}
	}
	if _, ok := got.Syscalls["connect"]; ok {
		t.Errorf("-deny connect with -exec-child=shell: connect is allowed")
	}
	if _, ok := reasons["clone"]; ok {
		t.Errorf("clone, which the runtime needs already, is reported as added by the preset")
	}
}

func TestExecChildValue(t *testing.T) {
	for _, tt := range []struct {
		args        []string
		on, shell   bool
		wantErrPart string
	}{
		{args: []string{"-exec-child"}, on: true},
		{args: []string{"-exec-child=true"}, on: true},
		{args: []string{"-exec-child=false"}},
		{args: []string{"-exec-child=shell"}, on: true, shell: true},
		{args: []string{}},
		{args: []string{"-exec-child=bash"}, wantErrPart: "want true, false or shell"},
	} {
		var stderr strings.Builder
		o, err := parseOptions(tt.args, &stderr)
		if tt.wantErrPart != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErrPart) {
				t.Errorf("%v: err = %v, want one containing %q", tt.args, err, tt.wantErrPart)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tt.args, err)
			continue
		}
		if o.execChild != tt.on || o.execShell != tt.shell {
			t.Errorf("%v: execChild %v, execShell %v; want %v, %v", tt.args, o.execChild, o.execShell, tt.on, tt.shell)
		}
	}
}
