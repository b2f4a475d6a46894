package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// listedPackage is the part of `go list -json` output the CLI needs.
type listedPackage struct {
	ImportPath string
	Name       string
	Dir        string
	Match      []string
	Error      *struct{ Err string }
	DepOnly    bool
	Standard   bool
	GoFiles    []string
	CgoFiles   []string
	Imports    []string
	Deps       []string
}

// mainPackage is a main package the patterns matched.
type mainPackage struct {
	ImportPath string
	Dir        string
	// Locks is true when the program refers to selfsandbox.Lock, LockWith
	// or MustLock somewhere in its own packages (or sandboxgen could not
	// tell): only then does it need a filter.
	Locks bool
	// Explicit is true when a pattern without ... names the package.
	Explicit bool
	// Packages is the size of its import closure (itself included), what
	// an analysis's memory grows with.
	Packages int
}

// selfsandboxPath is the import path of the package that installs filters.
const selfsandboxPath = "github.com/sandboxgen/sandboxgen/selfsandbox"

// lockFuncs are the selfsandbox functions that install a filter.
var lockFuncs = map[string]bool{"Lock": true, "LockWith": true, "MustLock": true}

// usageError is bad usage or bad input: the CLI exits with status 2 and
// prints the message (which names the problem and the fix).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// goEnv returns the environment for the go command: the process's, then
// extra, then GOOS=linux and GOARCH (when set).
func goEnv(goarch string, extra []string) []string {
	env := append(os.Environ(), extra...)
	env = append(env, "GOOS=linux")
	if goarch != "" {
		env = append(env, "GOARCH="+goarch)
	}
	return env
}

// listMainPackages resolves patterns with `go list` in dir, as they would
// build for linux/goarch, and returns the main packages among them. It is
// cheap next to the analysis and gives precise errors: a pattern that
// matches nothing, a pattern that matches only non-main packages, and
// packages that cannot be found.
func listMainPackages(dir, goarch string, tags, patterns []string) ([]mainPackage, error) {
	// -deps lists what each program is made of, so that the programs
	// that never lock themselves are known before any analysis.
	args := []string{"list", "-e", "-deps", "-json=ImportPath,Name,Dir,Match,Error,DepOnly,Standard,GoFiles,CgoFiles,Imports,Deps"}
	if len(tags) > 0 {
		args = append(args, "-tags="+strings.Join(tags, ","))
	}
	args = append(args, "--")
	args = append(args, patterns...)
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = goEnv(goarch, nil)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return nil, usageErrorf("go list: %s", strings.TrimSpace(stderr.String()))
		}
		return nil, fmt.Errorf("running go list (is the go command in PATH?): %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(&stdout)
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("reading go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return selectMains(patterns, pkgs)
}

// selectMains checks what each pattern matched and returns the main
// packages, in go list's order.
func selectMains(patterns []string, pkgs []listedPackage) ([]mainPackage, error) {
	var problems []string
	matched := map[string]int{}    // pattern → packages
	mainsOf := map[string]int{}    // pattern → main packages
	notMain := map[string]string{} // pattern → a non-main package it matched
	var mains []mainPackage
	locking := map[string]bool{}
	for _, p := range pkgs {
		if !p.Standard && slices.Contains(p.Imports, selfsandboxPath) && refersToLock(p) {
			locking[p.ImportPath] = true
		}
	}
	for _, p := range pkgs {
		if p.DepOnly {
			continue
		}
		if p.Error != nil {
			problems = append(problems, fmt.Sprintf("%s: %s", p.ImportPath, strings.TrimSpace(p.Error.Err)))
			continue
		}
		for _, m := range p.Match {
			matched[m]++
			if p.Name == "main" {
				mainsOf[m]++
			} else if notMain[m] == "" {
				notMain[m] = p.ImportPath + " (package " + p.Name + ")"
			}
		}
		if p.Name == "main" {
			m := mainPackage{ImportPath: p.ImportPath, Dir: p.Dir, Locks: locking[p.ImportPath], Packages: len(p.Deps) + 1}
			for _, d := range p.Deps {
				m.Locks = m.Locks || locking[d]
			}
			for _, pat := range p.Match {
				m.Explicit = m.Explicit || !strings.Contains(pat, "...")
			}
			mains = append(mains, m)
		}
	}
	if len(problems) > 0 {
		return nil, usageErrorf("%s", strings.Join(problems, "\n"))
	}
	for _, pat := range patterns {
		// go list reports a pattern as it cleaned it: ./. as ., a
		// trailing slash dropped.
		if c := cleanPattern(pat); c != pat {
			matched[pat] += matched[c]
			mainsOf[pat] += mainsOf[c]
			if notMain[pat] == "" {
				notMain[pat] = notMain[c]
			}
		}
		switch {
		case matched[pat] == 0:
			problems = append(problems, fmt.Sprintf("pattern %q matches no packages; check the path (patterns are relative to the current directory, e.g. . or ./cmd/...)", pat))
		case mainsOf[pat] == 0 && strings.Contains(pat, "..."):
			problems = append(problems, fmt.Sprintf("pattern %q matches no main package: sandboxgen writes its files next to a main package (func main), so name one", pat))
		case mainsOf[pat] == 0:
			problems = append(problems, fmt.Sprintf("%s is not a main package: sandboxgen writes its files next to a main package (func main), so name the command that imports it instead", notMain[pat]))
		}
	}
	if len(problems) > 0 {
		return nil, usageErrorf("%s", strings.Join(problems, "\n"))
	}
	return mains, nil
}

// buildErrors runs `go build` on the packages, as the user would, to show
// load and type errors the way the go command prints them. It returns the
// go command's output, or "" when the packages build.
func buildErrors(dir, goarch string, tags, pkgs []string) string {
	args := []string{"build"}
	if len(tags) > 0 {
		args = append(args, "-tags="+strings.Join(tags, ","))
	}
	if len(pkgs) == 1 {
		args = append(args, "-o", os.DevNull)
	}
	args = append(args, "--")
	args = append(args, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = goEnv(goarch, nil)
	out, err := cmd.CombinedOutput()
	if err == nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// cleanPattern returns a package pattern as go list's Match reports it: a
// directory pattern cleaned (./. is ., ./cmd/x/ is ./cmd/x), others as
// they are.
func cleanPattern(pat string) string {
	switch {
	case filepath.IsAbs(pat):
		return filepath.Clean(pat)
	case pat == "." || pat == ".." || strings.HasPrefix(pat, "./") || strings.HasPrefix(pat, "../"):
		c := path.Clean(filepath.ToSlash(pat))
		if c == "." || c == ".." || strings.HasPrefix(c, "../") {
			return c
		}
		return "./" + c
	}
	return strings.TrimSuffix(pat, "/")
}

// refersToLock reports whether p's Go files refer to one of lockFuncs of
// selfsandbox (a call, or the function as a value). A file that does not
// parse, or imports selfsandbox with a dot, counts as referring to it: a
// program is only skipped when it surely never locks.
func refersToLock(p listedPackage) bool {
	fset := token.NewFileSet()
	for _, name := range append(slices.Clone(p.GoFiles), p.CgoFiles...) {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return true
		}
		local := ""
		for _, imp := range f.Imports {
			if strings.Trim(imp.Path.Value, "`\"") != selfsandboxPath {
				continue
			}
			local = "selfsandbox"
			if imp.Name != nil {
				local = imp.Name.Name
			}
		}
		switch local {
		case "":
			continue
		case ".":
			return true
		}
		found := false
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == local && lockFuncs[sel.Sel.Name] {
					found = true
				}
			}
			return !found
		})
		if found {
			return true
		}
	}
	return false
}
