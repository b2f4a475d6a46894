package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/sandboxgen/sandboxgen/cmd/sandboxgen/internal/containerprofile"
)

// The values of -format: formatGo writes the Go files; the others print a
// container seccomp profile.
const (
	formatGo     = "go"
	formatDocker = "docker"
	formatOCI    = "oci"
	formatSPO    = "spo"
)

var formats = []string{formatGo, formatDocker, formatOCI, formatSPO}

const formatUsage = "what to produce: go (the Go files selfsandbox.Lock installs), or print a\ncontainer seccomp profile for the whole process life, to stdout or -o FILE:\ndocker (the JSON profile of Docker, Podman, containerd and CRI-O), oci (the\nlinux.seccomp object of an OCI config.json), spo (a Kubernetes\nSeccompProfile of the Security Profiles Operator)"

const containerRuntimeUsage = "with -format docker|oci|spo: the container `runtime` whose own work on the\nprocess's init thread, after it loads the profile and before execve, the\nprofile allows: runc (fstatfs, getdents64, epoll_ctl, ...) or crun (execve)"

// validateExport checks the flags of a container profile export and turns
// pruning off: the profile applies from execve, so what the program does
// before selfsandbox.Lock runs under it too.
func (o *options) validateExport() error {
	if !slices.Contains(formats, o.format) {
		return usageErrorf("-format %q: unknown format; use one of %s", o.format, strings.Join(formats, ", "))
	}
	if !slices.Contains(containerprofile.Runtimes(), o.containerRuntime) {
		return usageErrorf("-container-runtime %q: unknown runtime; use one of %s", o.containerRuntime, strings.Join(containerprofile.Runtimes(), ", "))
	}
	if o.format == formatGo {
		return nil
	}
	for _, bad := range []struct {
		set  bool
		flag string
	}{{o.check, "-check"}, {o.why != "", "-why"}, {o.json, "-json"}} {
		if bad.set {
			return usageErrorf("-format %s prints a profile and does not go with %s; drop one of them", o.format, bad.flag)
		}
	}
	if o.output != "" && strings.Contains(o.output, archPlaceholder) {
		return usageErrorf("-o %q: -format %s writes one profile for all architectures; give a plain file name", o.output, o.format)
	}
	o.noPrune = true
	return nil
}

// exportProfile prints the container profile of the one program in
// results (one result per architecture) to stdout, or writes it to -o.
func exportProfile(o *options, results []*result, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "sandboxgen: %v\n", err)
		return exitBadInput
	}
	if len(results) == 0 {
		return fail(fmt.Errorf("no main package to export a profile for"))
	}
	var inputs []containerprofile.Input
	for _, r := range results {
		if r.prog.PkgPath != results[0].prog.PkgPath {
			return fail(fmt.Errorf("-format %s makes one profile for one program, but the packages match %s and %s; name one main package", o.format, results[0].prog.PkgPath, r.prog.PkgPath))
		}
		pol := r.policy
		if r.fallback != nil {
			// The wide policy: the container cannot wait for goroutines
			// started before Lock to end.
			pol = *r.fallback
		}
		inputs = append(inputs, containerprofile.Input{Program: r.prog, Policy: pol})
	}
	prof, err := containerprofile.Build(inputs, containerprofile.Options{Runtime: o.containerRuntime})
	if err != nil {
		return fail(err)
	}
	var out []byte
	switch o.format {
	case formatDocker:
		out, err = prof.DockerJSON()
	case formatOCI:
		out, err = prof.OCIJSON()
	case formatSPO:
		out, err = prof.SPO("")
	}
	if err != nil {
		return fail(err)
	}
	if o.verbose {
		fmt.Fprintf(stderr, "sandboxgen: %s profile for %s (%s): %d syscalls, default %s\n",
			o.format, prof.Name, strings.Join(prof.Arches, ", "), len(prof.Entries), prof.Default)
	}
	if o.output == "" {
		if _, err := stdout.Write(out); err != nil {
			return fail(err)
		}
		return exitOK
	}
	if err := writeAtomic(o.output, out); err != nil {
		return fail(err)
	}
	return exitOK
}
