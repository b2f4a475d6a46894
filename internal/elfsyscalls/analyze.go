package elfsyscalls

import (
	"debug/elf"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// ErrUnsupportedArch is returned for an ELF file of an architecture the
// package cannot disassemble.
var ErrUnsupportedArch = errors.New("elfsyscalls: unsupported architecture")

// Options tune Analyze.
type Options struct {
	// CacheDir is where library graphs are cached. Empty means
	// os.UserCacheDir()/sandboxgen/elfsyscalls.
	CacheDir string
	// NoCache turns the cache off (neither read nor written).
	NoCache bool
	// SkipFuncs are C functions of the program whose imports and syscall
	// instructions are accounted for elsewhere: runtime/cgo's own C code
	// and the C start-up files (see ProgramCFuncs), whose needs the
	// runtime profile's cgo group covers. A symbol that another C
	// function also imports is analysed all the same.
	SkipFuncs map[string]bool
}

// Need is one syscall the program's C code can make.
type Need struct {
	Nr uint32
	// Chain leads from a C function of the program to the function with
	// the syscall instruction: the program's function first, then the
	// imported function as "name (library)", then the library's internal
	// functions ("libc.so.6+0x9a0f0" when it has no symbol).
	Chain []string
	// Library is the file name of the library holding the syscall
	// instruction, or "" for the program's own C code.
	Library string
	// Fallback marks a number added because a reached syscall's number
	// is unknown (see Result.Unresolved): the library's whole set.
	Fallback bool
}

// Unresolved is a reached syscall instruction whose number is not a
// constant.
type Unresolved struct {
	Library string   // "" for the program
	Chain   []string // as in Need, ending at the function with the instruction
}

// Library is a shared library the loader would load for the program.
type Library struct {
	Soname  string // as DT_NEEDED names it
	Path    string // the file analysed
	BuildID string // GNU build ID (hex), or "sha256:…" of the file
}

// Result is what Analyze finds.
type Result struct {
	// Needs holds each syscall number once, with the shortest chain
	// found, sorted by number.
	Needs []Need
	// Unresolved are the reached syscall instructions without a constant
	// number; each library holding one adds its whole set (Fallback).
	Unresolved []Unresolved
	// Libraries are the shared libraries, in the loader's search order.
	Libraries []Library
	// Imports are the imported functions analysed, with the program's C
	// function referencing each, sorted by name.
	Imports []Import
	// Dlopen are the program's C functions that call dlopen or dlmopen:
	// the libraries they load at run time are not analysed.
	Dlopen []string
	// Missing are imported functions no library defines (weak
	// references the loader leaves unbound).
	Missing []string
}

// Import is an imported function the program's C code references.
type Import struct {
	Name    string
	Library string // the library that defines it
	Caller  string // a C function of the program referencing it
}

// node is a function of one file of the analysis: file 0 is the program.
type node struct{ file, fn int }

// file is the program or one of its libraries, with its graph.
type file struct {
	name string // base name, used in chains
	g    *graph
}

// Analyze finds the syscalls the C code of the linked ELF program at path
// can make, in the program itself and in the shared libraries it loads.
func Analyze(path string, opt Options) (*Result, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("elfsyscalls: %w", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_X86_64 {
		return nil, fmt.Errorf("%w: %s is %v; only x86-64 is analysed", ErrUnsupportedArch, path, f.Machine)
	}
	goText, err := goTextRange(f)
	if err != nil {
		return nil, fmt.Errorf("elfsyscalls: %s: %w", path, err)
	}
	pg, err := programGraph(f, goText, opt)
	if err != nil {
		return nil, fmt.Errorf("elfsyscalls: %s: %w", path, err)
	}
	files := []file{{name: filepath.Base(path), g: pg}}
	res := &Result{}

	libs, err := loadOrder(f, path)
	if err != nil {
		return nil, fmt.Errorf("elfsyscalls: %s: %w", path, err)
	}
	for _, l := range libs {
		g, id, err := libraryGraph(l.path, opt)
		if err != nil {
			return nil, fmt.Errorf("elfsyscalls: %s: %w", l.path, err)
		}
		res.Libraries = append(res.Libraries, Library{Soname: l.soname, Path: l.path, BuildID: id})
		files = append(files, file{name: l.soname, g: g})
	}
	// bind finds the library that defines sym, as the loader's global
	// scope would (the program's own definitions are not interposed:
	// a Go program exports none its libraries call).
	bind := func(sym string) (node, bool) {
		for i := 1; i < len(files); i++ {
			if j, ok := files[i].g.Exports[sym]; ok {
				return node{i, j}, true
			}
		}
		return node{}, false
	}

	// The roots: the imports and syscall instructions of the program's C
	// functions, other than those of SkipFuncs.
	type root struct {
		n     node
		chain []string
	}
	var roots []root
	seenImport := map[string]bool{}
	missing := map[string]bool{}
	dlopen := map[string]bool{}
	nrs := map[uint32]Need{}
	unresolved := map[string]Unresolved{}
	fallbackLibs := map[int][]string{} // file → the chain that made it fall back
	addNeed := func(n Need) {
		if old, ok := nrs[n.Nr]; ok && (len(old.Chain) <= len(n.Chain) && !(old.Fallback && !n.Fallback)) {
			return
		}
		nrs[n.Nr] = n
	}
	for _, fn := range pg.Funcs {
		if fn.Name == "" || opt.SkipFuncs[fn.Name] {
			continue
		}
		for _, nr := range fn.Syscalls {
			chain := []string{fn.Name}
			if nr < 0 {
				unresolved[fn.Name] = Unresolved{Chain: chain}
				if _, ok := fallbackLibs[0]; !ok {
					fallbackLibs[0] = chain
				}
				continue
			}
			addNeed(Need{Nr: uint32(nr), Chain: chain})
		}
		for _, sym := range fn.Imports {
			if sym == "dlopen" || sym == "dlmopen" {
				dlopen[fn.Name] = true
			}
			if sym == syscallWrapper && constantWrapperCalls(fn) {
				// Each call passes a constant: those are the syscalls,
				// not everything the wrapper can make.
				if n, ok := bind(sym); ok {
					for _, nr := range fn.WrapperNrs {
						addNeed(Need{Nr: uint32(nr), Chain: []string{fn.Name, fmt.Sprintf("%s (%s)", sym, files[n.file].name)}, Library: files[n.file].name})
					}
					continue
				}
			}
			if seenImport[sym] {
				continue
			}
			n, ok := bind(sym)
			if !ok {
				missing[sym] = true
				continue
			}
			seenImport[sym] = true
			delete(missing, sym)
			res.Imports = append(res.Imports, Import{Name: sym, Library: files[n.file].name, Caller: fn.Name})
			roots = append(roots, root{n, []string{fn.Name, fmt.Sprintf("%s (%s)", sym, files[n.file].name)}})
		}
	}

	// Breadth first from all roots at once: each function is reached by
	// a shortest chain.
	chainOf := map[node][]string{}
	var queue []node
	for _, r := range roots {
		if _, ok := chainOf[r.n]; !ok {
			chainOf[r.n] = r.chain
			queue = append(queue, r.n)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		fl := files[n.file]
		fn := fl.g.Funcs[n.fn]
		chain := chainOf[n]
		for _, nr := range fn.Syscalls {
			if nr == setxidNr {
				for _, x := range setxidSyscalls {
					addNeed(Need{Nr: x, Chain: append(slices.Clone(chain), "(glibc's setxid broadcast: one of the set*id syscalls)"), Library: fl.name})
				}
				continue
			}
			if nr < 0 {
				key := fl.name + "\x00" + fl.g.label(n.fn, fl.name)
				if _, ok := unresolved[key]; !ok {
					unresolved[key] = Unresolved{Library: fl.name, Chain: chain}
				}
				if _, ok := fallbackLibs[n.file]; !ok {
					fallbackLibs[n.file] = chain
				}
				continue
			}
			addNeed(Need{Nr: uint32(nr), Chain: chain, Library: fl.name})
		}
		visit := func(m node, label string) {
			if _, ok := chainOf[m]; ok {
				return
			}
			c := make([]string, len(chain), len(chain)+1)
			copy(c, chain)
			chainOf[m] = append(c, label)
			queue = append(queue, m)
		}
		for _, j := range fn.Calls {
			visit(node{n.file, j}, fl.g.label(j, fl.name))
		}
		for _, sym := range fn.Imports {
			if m, ok := bind(sym); ok {
				label := sym
				if m.file != n.file {
					label = fmt.Sprintf("%s (%s)", sym, files[m.file].name)
				}
				visit(m, label)
			}
		}
	}
	for fi, chain := range fallbackLibs {
		for _, nr := range files[fi].g.AllNrs {
			c := append(append([]string(nil), chain...), fmt.Sprintf("(a syscall number not known: every syscall of %s)", files[fi].name))
			lib := files[fi].name
			if fi == 0 {
				lib = ""
			}
			addNeed(Need{Nr: nr, Chain: c, Library: lib, Fallback: true})
		}
	}

	for _, n := range nrs {
		res.Needs = append(res.Needs, n)
	}
	sort.Slice(res.Needs, func(i, j int) bool { return res.Needs[i].Nr < res.Needs[j].Nr })
	for _, u := range unresolved {
		res.Unresolved = append(res.Unresolved, u)
	}
	sort.Slice(res.Unresolved, func(i, j int) bool {
		return strings.Join(res.Unresolved[i].Chain, " ") < strings.Join(res.Unresolved[j].Chain, " ")
	})
	sort.Slice(res.Imports, func(i, j int) bool { return res.Imports[i].Name < res.Imports[j].Name })
	for s := range missing {
		res.Missing = append(res.Missing, s)
	}
	sort.Strings(res.Missing)
	for s := range dlopen {
		res.Dlopen = append(res.Dlopen, s)
	}
	sort.Strings(res.Dlopen)
	return res, nil
}

// constantWrapperCalls reports whether every reference fn makes to
// libc's syscall(2) wrapper is a call with a constant number.
func constantWrapperCalls(fn function) bool {
	if len(fn.WrapperNrs) == 0 {
		return false
	}
	for _, nr := range fn.WrapperNrs {
		if nr < 0 {
			return false
		}
	}
	return true
}

// LibrarySyscalls returns every syscall number resolved in the library at
// path: what the library as a whole can make, for comparison.
func LibrarySyscalls(path string, opt Options) ([]uint32, error) {
	g, _, err := libraryGraph(path, opt)
	if err != nil {
		return nil, err
	}
	return g.AllNrs, nil
}

// ProgramCFuncs returns the names of the C functions linked into the
// program at path (the functions outside its Go code): for a program
// whose only C code is runtime/cgo's, the SkipFuncs of Options.
func ProgramCFuncs(path string) ([]string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("elfsyscalls: %w", err)
	}
	defer f.Close()
	goText, err := goTextRange(f)
	if err != nil {
		return nil, fmt.Errorf("elfsyscalls: %s: %w", path, err)
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("elfsyscalls: %s: %w", path, err)
	}
	var out []string
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Section != elf.SHN_UNDEF && s.Value != 0 &&
			(s.Value < goText[0] || s.Value >= goText[1]) {
			out = append(out, s.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// goTextRange returns the bounds of the Go code of a program, between the
// linker's runtime.text and runtime.etext symbols.
func goTextRange(f *elf.File) ([2]uint64, error) {
	syms, err := f.Symbols()
	if err != nil {
		return [2]uint64{}, fmt.Errorf("no symbol table (built with -ldflags=-s?): the C code cannot be told from the Go code: %v", err)
	}
	var r [2]uint64
	for _, s := range syms {
		switch s.Name {
		case "runtime.text":
			r[0] = s.Value
		case "runtime.etext":
			r[1] = s.Value
		}
	}
	if r[0] == 0 || r[1] == 0 {
		// Not a Go program: all of its code is C.
		return [2]uint64{}, nil
	}
	return r, nil
}

// lib is a library to load, with the path it resolved to.
type lib struct{ soname, path string }

// loadOrder returns the libraries the loader loads for f, breadth first
// over DT_NEEDED as it builds the global scope.
func loadOrder(f *elf.File, path string) ([]lib, error) {
	var out []lib
	seen := map[string]bool{}
	type pending struct {
		f      *elf.File
		origin string
	}
	queue := []pending{{f, filepath.Dir(path)}}
	var opened []*elf.File
	defer func() {
		for _, o := range opened {
			o.Close()
		}
	}()
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		needed, _ := p.f.ImportedLibraries()
		dirs := searchDirs(p.f, p.origin)
		for _, so := range needed {
			if seen[so] {
				continue
			}
			seen[so] = true
			lp, err := findLibrary(so, dirs, f.Machine)
			if err != nil {
				return nil, err
			}
			out = append(out, lib{so, lp})
			lf, err := elf.Open(lp)
			if err != nil {
				return nil, err
			}
			opened = append(opened, lf)
			queue = append(queue, pending{lf, filepath.Dir(lp)})
		}
	}
	return out, nil
}
