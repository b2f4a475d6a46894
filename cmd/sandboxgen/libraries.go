package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/sandboxgen/sandboxgen/analyzer"
)

// libraryLine matches a library's line in a generated file's CLibraries
// literal, as gen.Emit writes it.
var libraryLine = regexp.MustCompile(`(?m)^\s*\{Soname: ("(?:[^"\\]|\\.)*"), Path: ("(?:[^"\\]|\\.)*"), BuildID: ("(?:[^"\\]|\\.)*")\},$`)

// recordedLibrary is a library as a generated file records it.
type recordedLibrary struct{ soname, path, buildID string }

// recordedLibraries returns the libraries a generated file records, in
// order.
func recordedLibraries(src []byte) []recordedLibrary {
	var out []recordedLibrary
	for _, m := range libraryLine.FindAllSubmatch(src, -1) {
		var l recordedLibrary
		var err error
		if l.soname, err = strconv.Unquote(string(m[1])); err != nil {
			continue
		}
		if l.path, err = strconv.Unquote(string(m[2])); err != nil {
			continue
		}
		if l.buildID, err = strconv.Unquote(string(m[3])); err != nil {
			continue
		}
		out = append(out, l)
	}
	return out
}

// libraryDrift says, for a file on disk (old) and the one this machine
// generates (now), which recorded C library this machine resolves to
// another file: the C analysis read another library than the one the
// file was generated from, so the allow-list of the C code may differ.
// It returns the warnings one a line, "" when there are none.
func libraryDrift(name string, old, now []byte) string {
	here := map[string]recordedLibrary{}
	for _, l := range recordedLibraries(now) {
		here[l.soname] = l
	}
	var out strings.Builder
	for _, l := range recordedLibraries(old) {
		h, ok := here[l.soname]
		switch {
		case !ok:
			fmt.Fprintf(&out, "%s: warning: the file records the C library %s (%s, build ID %s), which the program's build on this machine does not load\n", name, l.soname, l.path, l.buildID)
		case h.buildID != l.buildID:
			fmt.Fprintf(&out, "%s: warning: the file records the C library %s as %s (build ID %s), but this machine's loader resolves it to %s (build ID %s): the C code's syscalls were analysed in another library than the one this machine loads\n",
				name, l.soname, l.path, l.buildID, h.path, h.buildID)
		}
	}
	return out.String()
}

// cReport is the -json report of a program's C code analysis.
type cReport struct {
	// Libraries are the shared libraries analysed, as the generated file
	// records them.
	Libraries []cLibraryReport `json:"libraries"`
	// Dlopen are the C functions that call dlopen: the libraries they
	// load at run time are not analysed.
	Dlopen []string `json:"dlopen_unanalysed,omitempty"`
}

// cLibraryReport is one library the C analysis read.
type cLibraryReport struct {
	Soname  string `json:"soname"`
	Path    string `json:"path"`
	BuildID string `json:"build_id"`
}

// cReportOf is the report of p's C analysis, nil when it had none.
func cReportOf(p *analyzer.Program) *cReport {
	if len(p.CLibraries) == 0 && len(p.CDlopen) == 0 {
		return nil
	}
	r := &cReport{Libraries: []cLibraryReport{}, Dlopen: p.CDlopen}
	for _, l := range p.CLibraries {
		r.Libraries = append(r.Libraries, cLibraryReport{Soname: l.Soname, Path: l.Path, BuildID: l.BuildID})
	}
	return r
}
