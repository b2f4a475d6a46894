package analyzer

import (
	"go/token"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// globalFields recognises function values kept only in fields of package
// variables (see valueTakers): a package-level sync.Pool's New, a table of
// handlers. linked holds the package variables named by //go:linkname
// directives ("path.name"), whose memory other declarations share.
type globalFields struct {
	linked map[string]bool
}

// storedIntoField returns the package variable g when in is a store of
// fn into a field of g (g.f = fn, g.f.h = fn), nil otherwise. The variable
// must not be one the linker can share with another package (a
// //go:linkname'd variable of the runtime or of assembly); see
// tracked.
func (gf globalFields) storedIntoField(in ssa.Instruction, fn *ssa.Function) *ssa.Global {
	st, ok := in.(*ssa.Store)
	if !ok || st.Val != ssa.Value(fn) {
		return nil
	}
	return gf.base(st.Addr)
}

// closureOnlyInField returns the package variable g when every use of
// the closure mc is a store into a field of g, nil otherwise.
func (gf globalFields) closureOnlyInField(mc *ssa.MakeClosure) *ssa.Global {
	refs := mc.Referrers()
	if refs == nil || len(*refs) == 0 {
		return nil
	}
	var g *ssa.Global
	for _, r := range *refs {
		st, ok := r.(*ssa.Store)
		if !ok || st.Val != ssa.Value(mc) {
			return nil
		}
		base := gf.base(st.Addr)
		if base == nil || (g != nil && base != g) {
			return nil
		}
		g = base
	}
	return g
}

// base returns g when addr is the address of a field (or a
// field of a field) of the package variable g, or of a composite literal
// whose only use is to be copied into g (var g = T{f: fn} is built in a
// local and then stored whole), nil otherwise.
func (gf globalFields) base(addr ssa.Value) *ssa.Global {
	fa, ok := addr.(*ssa.FieldAddr)
	if !ok {
		return nil
	}
	for {
		switch x := fa.X.(type) {
		case *ssa.Global:
			if !gf.tracked(x) {
				return nil
			}
			return x
		case *ssa.FieldAddr:
			fa = x
		case *ssa.Alloc:
			return gf.complitCopiedInto(x)
		default:
			return nil
		}
	}
}

// complitCopiedInto returns g when the composite literal a is only written
// through its fields and then loaded, each load only stored whole into the
// package variable g (or a field of it); nil otherwise.
func (gf globalFields) complitCopiedInto(a *ssa.Alloc) *ssa.Global {
	refs := a.Referrers()
	if refs == nil {
		return nil
	}
	var g *ssa.Global
	for _, r := range *refs {
		switch r := r.(type) {
		case *ssa.FieldAddr:
			if !onlyStoredThrough(r) {
				return nil
			}
		case *ssa.UnOp:
			if r.Op != token.MUL {
				return nil
			}
			lrefs := r.Referrers()
			if lrefs == nil || len(*lrefs) == 0 {
				return nil
			}
			for _, lr := range *lrefs {
				st, ok := lr.(*ssa.Store)
				if !ok || st.Val != ssa.Value(r) {
					return nil
				}
				var base *ssa.Global
				if gv, isGlobal := st.Addr.(*ssa.Global); isGlobal && gf.tracked(gv) {
					base = gv
				} else if _, isField := st.Addr.(*ssa.FieldAddr); isField {
					base = gf.base(st.Addr)
				}
				if base == nil || (g != nil && base != g) {
					return nil
				}
				g = base
			}
		default:
			return nil
		}
	}
	return g
}

// isStoreInto reports whether in stores a value into the package variable
// g as a whole: it writes g and lets no value of g out.
func isStoreInto(in ssa.Instruction, g *ssa.Global) bool {
	st, ok := in.(*ssa.Store)
	return ok && st.Addr == ssa.Value(g) && st.Val != ssa.Value(g)
}

// tracked reports whether every access to g is an SSA operand that
// names g: not so for variables of package runtime and of packages whose
// assembly or linkname'd declarations may reach the same symbol (the
// runtime's, reflect's, internal/...'s low-level state, sync/atomic), which
// are left to the general rule.
func (gf globalFields) tracked(g *ssa.Global) bool {
	if g.Pkg == nil {
		return false
	}
	if gf.linked[g.Pkg.Pkg.Path()+"."+g.Name()] {
		return false
	}
	switch path := g.Pkg.Pkg.Path(); {
	case path == "runtime", path == "reflect", path == "unsafe", path == "syscall",
		strings.HasPrefix(path, "runtime/"), strings.HasPrefix(path, "internal/runtime/"),
		strings.HasPrefix(path, "internal/abi"), strings.HasPrefix(path, "sync/atomic"):
		return false
	}
	return true
}

// isGlobalFieldStoreAddr reports whether in is a FieldAddr of a package
// variable (or of a field of one) whose every use is the address of a
// store: it writes the variable and lets no value of it out.
func isGlobalFieldStoreAddr(in ssa.Instruction) bool {
	fa, ok := in.(*ssa.FieldAddr)
	if !ok {
		return false
	}
	return onlyStoredThrough(fa)
}

// onlyStoredThrough reports whether every use of the address fa is as the
// address of a store, or as the base of a FieldAddr that is itself only
// stored through.
func onlyStoredThrough(fa *ssa.FieldAddr) bool {
	refs := fa.Referrers()
	if refs == nil {
		return false
	}
	for _, r := range *refs {
		switch r := r.(type) {
		case *ssa.Store:
			if r.Addr != ssa.Value(fa) || r.Val == ssa.Value(fa) {
				return false
			}
		case *ssa.FieldAddr:
			if !onlyStoredThrough(r) {
				return false
			}
		default:
			return false
		}
	}
	return true
}
