package gen

import (
	"bytes"
	"flag"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// webPolicy is a small policy with one argument rule, used by golden and
// kernel tests.
func webPolicy(arch string) Policy {
	p := Policy{Arch: arch, Default: KillProcess, Syscalls: map[string][]Rule{}}
	for _, n := range []string{"read", "write", "close", "futex", "mmap", "munmap", "epoll_pwait", "accept4", "exit_group"} {
		p.Syscalls[n] = []Rule{{Action: Allow}}
	}
	p.Syscalls["clone3"] = []Rule{{Action: Errno(38)}}
	// fcntl only for F_GETFL (3) and F_SETFL (4).
	p.Syscalls["fcntl"] = []Rule{{Action: Allow, Args: []ArgCond{{Index: 1, Op: OpLess, Value: 5}, {Index: 1, Op: OpGreater, Value: 2}}}}
	return p
}

func TestEmitGolden(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			prog, err := Compile(webPolicy(arch))
			if err != nil {
				t.Fatal(err)
			}
			src, err := Emit(prog, Metadata{GoVersion: "go1.26.8", GeneratorVersion: "v0.0.0-test"})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(src, []byte(GeneratedHeader+"\n")) {
				t.Fatalf("output does not start with the generated-code header:\n%s", src)
			}
			f, err := parser.ParseFile(token.NewFileSet(), FileName(arch), src, parser.ParseComments)
			if err != nil {
				t.Fatalf("output does not parse: %v", err)
			}
			if f.Name.Name != "main" {
				t.Fatalf("package %s, want main", f.Name.Name)
			}
			if !bytes.Contains(src, []byte("//go:build linux && "+arch+"\n")) {
				t.Fatal("no build constraint")
			}
			again, _ := Emit(prog, Metadata{GoVersion: "go1.26.8", GeneratorVersion: "v0.0.0-test"})
			if !bytes.Equal(src, again) {
				t.Fatal("Emit is not deterministic")
			}
			golden := filepath.Join("testdata", "webpolicy_"+arch+".golden")
			if *update {
				if err := os.WriteFile(golden, src, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./gen -run TestEmitGolden -update)", err)
			}
			if !bytes.Equal(src, want) {
				t.Fatalf("output differs from %s (run with -update if the change is intended):\n%s", golden, src)
			}
		})
	}
}

func TestFileName(t *testing.T) {
	if got := FileName("arm64"); got != "sandbox_linux_arm64.go" {
		t.Fatal(got)
	}
	if !strings.HasSuffix(FileName("amd64"), "_linux_amd64.go") {
		t.Fatal("file name must carry the GOOS_GOARCH suffix")
	}
}
