package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sandboxgen/sandboxgen/analyzer"
)

func TestExportBadFlags(t *testing.T) {
	here, _ := os.Getwd()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-format", "yaml"}, `-format "yaml": unknown format`},
		{[]string{"-format", "docker", "-check"}, "does not go with -check"},
		{[]string{"-format", "oci", "-why", "read"}, "does not go with -why"},
		{[]string{"-format", "spo", "-json"}, "does not go with -json"},
		{[]string{"-format", "docker", "-o", "p_{arch}.json"}, "give a plain file name"},
		{[]string{"-format", "docker", "-container-runtime", "lxc"}, `-container-runtime "lxc": unknown runtime`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, here, tt.args...)
			if code != exitBadInput || !strings.Contains(stderr, tt.want) || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 and %q", code, stdout, stderr, tt.want)
			}
		})
	}
}

// TestExportOCI exports the hello fixture's profile, from a canned
// analysis: stdout holds a runtime-spec linux.seccomp object and nothing
// else, nothing is written next to the package, and -o writes the same
// bytes to a file. (TestExportRunc exports a real analysis and runs it.)
func TestExportOCI(t *testing.T) {
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	// The profile adds the runtime's start-up, read from the GOROOT.
	canned(t, func(p *analyzer.Program) { p.GoRoot = strings.TrimSpace(string(goroot)) })
	dir := fixtureModule(t)
	code, stdout, stderr := runCLI(t, dir, "-format", "oci", "-arch", "amd64", ".")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	var sec specs.LinuxSeccomp
	if err := dec.Decode(&sec); err != nil {
		t.Fatalf("stdout is not a linux.seccomp object: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Error("stdout holds more than the profile")
	}
	var names []string
	for _, s := range sec.Syscalls {
		names = append(names, s.Names...)
	}
	for _, want := range []string{"arch_prctl", "futex", "write", "execve", "fstatfs"} {
		if !strings.Contains(" "+strings.Join(names, " ")+" ", " "+want+" ") {
			t.Errorf("%s missing from the profile's %d syscalls", want, len(names))
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "sandbox_*")); len(m) > 0 {
		t.Errorf("-format oci wrote %v", m)
	}
	out := filepath.Join(t.TempDir(), "seccomp.json")
	code, stdout2, stderr := runCLI(t, dir, "-format", "oci", "-arch", "amd64", "-o", out, ".")
	if code != exitOK || stdout2 != "" {
		t.Fatalf("-o: exit %d, stdout %q, stderr:\n%s", code, stdout2, stderr)
	}
	if b, err := os.ReadFile(out); err != nil || !bytes.Equal(b, []byte(stdout)) {
		t.Errorf("-o wrote other bytes than stdout (%v)", err)
	}
}
