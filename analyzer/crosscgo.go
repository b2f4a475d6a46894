package analyzer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sandboxgen/sandboxgen/runtimeprofile"
)

// assumeCgo adds to prog, analysed as a cross build without cgo, what a
// native build with cgo needs on top, taking the cgo-specific part of ref
// (the same program analysed with cgo on another architecture): the
// runtime's cgo group of prog's architecture, the syscalls ref's libc
// calls need (by name, where prog's architecture has them), and ref's go
// statements before Lock that prog lacks, with their needs. The sources of
// the standard library's cgo code are the same on every architecture, so
// ref's call paths and go statements hold for prog's native build.
func (a *analysis) assumeCgo(prog, ref *Program) {
	m := newNeedMerger(prog)
	// add merges a need of ref's architecture under this one's number.
	add := func(n Need) {
		nr, ok := a.table.Number(n.Name)
		if !ok {
			return // e.g. poll on arm64, where glibc uses ppoll
		}
		n.Nr = nr
		m.add(n)
	}
	for _, s := range a.profile.Select(runtimeprofile.Cgo) {
		if s.Group != runtimeprofile.Cgo || onlyPollerCreation(s) {
			continue // Select adds Base, which addRuntime merged already
		}
		a.addRuntimeNeed(m, s)
	}
	inOutliving := map[string]bool{}
	for _, g := range ref.Outliving {
		for _, n := range g.Needs {
			inOutliving[n.Name] = true
		}
	}
	// ref's cgo needs that its own filter allows go into prog's; those
	// only its outliving goroutines need go with those goroutines below.
	for _, n := range ref.Syscalls {
		if strings.HasPrefix(n.Origin, OriginCgoPrefix) && !inOutliving[n.Name] {
			add(n)
		}
		// The program's own C code, analysed in ref's binary: the same
		// C calls make the same kernel requests, under the names newer
		// architectures give them (glibc's unlink is unlinkat on arm64).
		if strings.HasPrefix(n.Origin, OriginCPrefix) {
			add(n)
			if alt, ok := legacySuccessor[n.Name]; ok {
				n.Path = append(slices.Clone(n.Path), fmt.Sprintf("(%s on linux/%s)", alt, prog.GOARCH))
				n.Name = alt
				add(n)
			}
		}
	}
	narrow := map[string]bool{}
	for _, n := range prog.Narrow() {
		narrow[n.Name] = true
	}
	for _, g := range ref.Outliving {
		if slices.ContainsFunc(prog.Outliving, func(h Goroutine) bool { return h.File == g.File && h.Line == g.Line }) {
			continue
		}
		var needs []Need
		for _, n := range g.Needs {
			if nr, ok := a.table.Number(n.Name); ok && !narrow[n.Name] {
				n.Nr = nr
				needs = append(needs, n)
				add(n)
			}
		}
		if len(needs) > 0 {
			g.Needs = needs
			prog.Outliving = append(prog.Outliving, g)
		}
	}
	sortNeeds(prog.Syscalls)
	slices.SortFunc(prog.Outliving, func(x, y Goroutine) int {
		return strings.Compare(x.File+fmt.Sprintf(":%08d", x.Line), y.File+fmt.Sprintf(":%08d", y.Line))
	})
	prog.Features.Cgo = true
	if len(ref.CLibraries) > 0 {
		prog.Warnings = append(prog.Warnings, fmt.Sprintf("c: the C code's syscalls for linux/%s come from the analysis of its linux/%s build and libraries (no %s build was analysed): a %s C library that makes other syscalls needs them allowed by hand", prog.GOARCH, ref.GOARCH, prog.GOARCH, prog.GOARCH))
	}
	prog.Warnings = append(prog.Warnings, fmt.Sprintf("cgo: linux/%s was analysed as a cross build, without cgo; the linux/%s analysis links cgo, so its cgo needs and the runtime's cgo group are added for a native %s build with cgo", prog.GOARCH, ref.GOARCH, prog.GOARCH))
}

// legacySuccessor maps a syscall that amd64 has and newer architectures
// (arm64, riscv64, loong64) lack to the one their C libraries make
// instead, for the C needs assumeCgo takes from an amd64 analysis.
var legacySuccessor = map[string]string{
	"open": "openat", "creat": "openat", "unlink": "unlinkat", "rmdir": "unlinkat",
	"stat": "newfstatat", "lstat": "newfstatat", "mkdir": "mkdirat", "mknod": "mknodat",
	"rename": "renameat", "link": "linkat", "symlink": "symlinkat", "readlink": "readlinkat",
	"chmod": "fchmodat", "chown": "fchownat", "lchown": "fchownat", "access": "faccessat",
	"poll": "ppoll", "select": "pselect6", "dup2": "dup3", "pipe": "pipe2",
	"epoll_wait": "epoll_pwait", "epoll_create": "epoll_create1", "inotify_init": "inotify_init1",
	"eventfd": "eventfd2", "signalfd": "signalfd4", "utime": "utimensat", "utimes": "utimensat",
	"futimesat": "utimensat", "getdents": "getdents64", "fork": "clone", "vfork": "clone",
	"alarm": "setitimer", "pause": "rt_sigsuspend", "getpgrp": "getpgid", "time": "clock_gettime",
}
