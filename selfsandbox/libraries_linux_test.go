package selfsandbox_test

import (
	"bufio"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sandboxgen/sandboxgen/gen"
	"github.com/sandboxgen/sandboxgen/internal/childtest"
	"github.com/sandboxgen/sandboxgen/internal/elfsyscalls"
	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// mappedLibc returns the path of the libc.so.6 this process has mapped,
// found with debug/elf, or "" without one (a binary without cgo).
func mappedLibc(t *testing.T) string {
	t.Helper()
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Skipf("no /proc/self/maps: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 6 || !strings.HasPrefix(fields[5], "/") {
			continue
		}
		ef, err := elf.Open(fields[5])
		if err != nil {
			continue
		}
		names, _ := ef.DynString(elf.DT_SONAME)
		ef.Close()
		if len(names) == 1 && names[0] == "libc.so.6" {
			return fields[5]
		}
	}
	return ""
}

// TestLibraryMismatch: a program that records the libc the process loaded
// (with the identity the C analysis gives it) and a library the process
// did not load: Lock installs it and Current names only the missing
// library; Options.RequireSameLibraries and SELFSANDBOX_REQUIRE_SAME_LIBRARIES
// make Lock refuse, installing nothing, unless IgnoreEnv.
func TestLibraryMismatch(t *testing.T) {
	needKernel(t)
	if childtest.InChild(t) {
		libc := mappedLibc(t)
		if libc == "" {
			fmt.Println("no libc mapped")
			return
		}
		id, err := elfsyscalls.FileID(libc)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := gen.Compile(childPolicy(t))
		if err != nil {
			t.Fatal(err)
		}
		absent := selfsandbox.Library{Soname: "libsandboxgen-absent.so.1", Path: "/usr/lib/libsandboxgen-absent.so.1", BuildID: "0011"}
		start := time.Now()
		selfsandbox.Register(prog.Selfsandbox(gen.Metadata{GoVersion: runtime.Version(), Cgo: true,
			CLibraries: []selfsandbox.Library{{Soname: "libc.so.6", Path: "/elsewhere/libc.so.6", BuildID: id}, absent}}))
		fmt.Fprintf(os.Stderr, "Register with 2 libraries: %v\n", time.Since(start))

		err = selfsandbox.LockWith(selfsandbox.Options{RequireSameLibraries: true})
		var lerr *selfsandbox.LibraryMismatchError
		if errors.As(err, &lerr) {
			fmt.Printf("required: %d mismatch %s loaded=%q seccomp=%s\n", len(lerr.Mismatches), lerr.Mismatches[0].Recorded.Soname, lerr.Mismatches[0].Loaded, selfSeccomp())
		} else {
			fmt.Printf("required: err=%v\n", err)
		}
		os.Setenv(selfsandbox.EnvRequireSameLibraries, "1")
		err = selfsandbox.Lock()
		fmt.Printf("env: refused=%v seccomp=%s\n", errors.As(err, &lerr), selfSeccomp())
		if err := selfsandbox.LockWith(selfsandbox.Options{IgnoreEnv: true}); err != nil {
			t.Fatalf("LockWith(IgnoreEnv): %v", err)
		}
		st := selfsandbox.Current()
		for _, m := range st.LibraryMismatches {
			fmt.Printf("locked: mismatch %s\n", m.Recorded.Soname)
		}
		fmt.Printf("locked: seccomp=%s mismatches=%d\n", selfSeccomp(), len(st.LibraryMismatches))
		return
	}
	r := runChild(t)
	if strings.Contains(r.Stdout, "no libc mapped") {
		t.Skip("the test binary maps no libc.so.6 (built without cgo)")
	}
	want := "required: 1 mismatch libsandboxgen-absent.so.1 loaded=\"\" seccomp=0\n" +
		"env: refused=true seccomp=0\n" +
		"locked: mismatch libsandboxgen-absent.so.1\n" +
		"locked: seccomp=2 mismatches=1\n"
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, want) {
		t.Fatalf("want stdout\n%s\ngot %v", want, r)
	}
	t.Log(strings.TrimSpace(r.Stderr))
}
