package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// optionsPrefix starts the line of a generated file that records the
// options it was generated with, e.g.
//
//	// sandboxgen:options -deny=connect -readonly-fs
//
// It comes right after the generated-code header. A file generated with
// every option at its default has no such line.
const optionsPrefix = "// sandboxgen:options"

// generatedFile is a file in a package directory that sandboxgen wrote.
type generatedFile struct {
	path    string
	options []string // the recorded flags, as optionsArgs returns them
}

// readGenerated returns the files in dir that sandboxgen generated (they
// start with the generated-code header), with the options each records,
// sorted by path.
func readGenerated(dir string) ([]generatedFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []generatedFile
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		if !sc.Scan() || sc.Text() != generatedHeader {
			f.Close()
			continue
		}
		g := generatedFile{path: path}
		// The options line, if any, is among the comments before the
		// package clause.
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(line, optionsPrefix); ok && (rest == "" || rest[0] == ' ') {
				g.options = strings.Fields(rest)
				break
			}
			if !strings.HasPrefix(line, "//") {
				break
			}
		}
		f.Close()
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, nil
}

// withOptionsLine returns src, a file gen.Emit rendered, with the line
// recording args after its first line (the generated-code header), or src
// itself when every option is at its default.
func withOptionsLine(src []byte, args []string) []byte {
	if len(args) == 0 {
		return src
	}
	header, rest, ok := bytes.Cut(src, []byte("\n"))
	if !ok {
		return src
	}
	var b bytes.Buffer
	b.Write(header)
	b.WriteString("\n" + optionsPrefix + " " + strings.Join(args, " ") + "\n")
	b.Write(rest)
	return b.Bytes()
}
