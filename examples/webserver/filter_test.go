package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sandboxgen/sandboxgen/internal/bpf"
	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// checkedInFilter is one filter of a generated file, read from its source.
type checkedInFilter struct {
	allowed map[string]uint32 // Allowed: name -> number
	prog    []bpf.Instruction
}

// readGeneratedFilters parses a generated file and returns its filters:
// the program's and its Fallback's, when it has one.
func readGeneratedFilters(t *testing.T, path string) []checkedInFilter {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var filters []checkedInFilter
	field := func(kv ast.Expr) (string, ast.Expr) {
		e, ok := kv.(*ast.KeyValueExpr)
		if !ok {
			t.Fatalf("%s: an element without keys", path)
		}
		return e.Key.(*ast.Ident).Name, e.Value
	}
	number := func(e ast.Expr) uint64 {
		n, err := strconv.ParseUint(e.(*ast.BasicLit).Value, 0, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	syscalls := func(lit *ast.CompositeLit) map[string]uint32 {
		out := map[string]uint32{}
		for _, el := range lit.Elts {
			var name string
			var nr uint64
			for _, kv := range el.(*ast.CompositeLit).Elts {
				k, v := field(kv)
				switch k {
				case "Name":
					name, _ = strconv.Unquote(v.(*ast.BasicLit).Value)
				case "Nr":
					nr = number(v)
				}
			}
			out[name] = uint32(nr)
		}
		return out
	}
	instructions := func(lit *ast.CompositeLit) []bpf.Instruction {
		var prog []bpf.Instruction
		for _, el := range lit.Elts {
			var ins bpf.Instruction
			for _, kv := range el.(*ast.CompositeLit).Elts {
				k, v := field(kv)
				switch k {
				case "Code":
					ins.Code = uint16(number(v))
				case "Jt":
					ins.Jt = uint8(number(v))
				case "Jf":
					ins.Jf = uint8(number(v))
				case "K":
					ins.K = uint32(number(v))
				}
			}
			prog = append(prog, ins)
		}
		return prog
	}
	// A Program or Fallback literal holds its own Allowed and
	// Instructions among its keyed elements.
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		var flt checkedInFilter
		for _, el := range lit.Elts {
			kv, ok := el.(*ast.KeyValueExpr)
			if !ok {
				return true
			}
			key, _ := kv.Key.(*ast.Ident)
			val, _ := kv.Value.(*ast.CompositeLit)
			if key == nil || val == nil {
				continue
			}
			switch key.Name {
			case "Allowed":
				flt.allowed = syscalls(val)
			case "Instructions":
				flt.prog = instructions(val)
			}
		}
		if flt.prog != nil {
			filters = append(filters, flt)
		}
		return true
	})
	if len(filters) == 0 {
		t.Fatalf("%s holds no filter", path)
	}
	return filters
}

// TestCheckedInFiltersCacheable runs the checked-in filters of every
// architecture in the BPF interpreter: each listed syscall is allowed with
// zero arguments, every other number below the highest listed one is not,
// and every allowed syscall is in the kernel's per-number action cache
// unless an argument rule really decides it (some argument values are
// denied), so the filter runs only where it must.
func TestCheckedInFiltersCacheable(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		table, err := systable.Lookup(arch)
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range readGeneratedFilters(t, filepath.Join(".", "sandbox_linux_"+arch+".go")) {
			if err := bpf.Validate(f.prog); err != nil {
				t.Fatalf("%s filter %d: %v", arch, i, err)
			}
			run := func(nr uint32, args [6]uint64) uint32 {
				res, err := bpf.Run(f.prog, bpf.SeccompData{Nr: nr, Arch: table.AuditArch, Args: args}, false)
				if err != nil {
					t.Fatalf("%s filter %d, nr %d: %v", arch, i, nr, err)
				}
				return res.Ret
			}
			byNr := map[uint32]string{}
			ruled := 0
			for name, nr := range f.allowed {
				byNr[nr] = name
				if ret := run(nr, [6]uint64{}); ret != bpf.SeccompRetAllow {
					t.Errorf("%s filter %d: %s (%d) with zero arguments gets %#x, not ALLOW", arch, i, name, nr, ret)
				}
				if bpf.CacheableAllow(f.prog, table.AuditArch, nr) {
					continue
				}
				ones := [6]uint64{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
				if run(nr, ones) == bpf.SeccompRetAllow {
					t.Errorf("%s filter %d: %s (%d) is not cacheable, yet its arguments do not decide it", arch, i, name, nr)
				}
				ruled++
			}
			for nr := uint32(0); nr < 500; nr++ {
				if _, ok := byNr[nr]; ok {
					continue
				}
				if ret := run(nr, [6]uint64{}); ret == bpf.SeccompRetAllow {
					name, _ := table.Name(nr)
					t.Errorf("%s filter %d: %d (%s) is not in Allowed but the filter allows it", arch, i, nr, name)
				}
			}
			t.Logf("%s filter %d: %d allowed, %d of them behind argument rules", arch, i, len(f.allowed), ruled)
		}
	}
}
