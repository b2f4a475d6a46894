package analyzer

import (
	"go/constant"
	"go/token"
	"go/types"
	"sort"

	"golang.org/x/tools/go/ssa"
)

// The fields of syscall.SysProcAttr decide what the child side of a fork
// does: syscall.forkAndExecInChild1 calls chroot only when Chroot is set,
// setuid, setgid and setgroups only when Credential is, ptrace only for
// Ptrace, unshare and mount only for Unshareflags, and so on. A field that
// no reachable code can set holds its zero value in every SysProcAttr the
// program makes, so a load of it folds to that value (see foldSource) and
// the branches it guards cannot run. A field can be set when reachable
// code takes its address for anything but a load (a store, a composite
// literal, &attr.Field handed on), when a SysProcAttr is made by
// converting another type (a struct type with the same fields, or an
// unsafe.Pointer), or when reflection can set fields of a SysProcAttr.
// What no analysis of Go code sees (assembly, C code, unsafe arithmetic
// on a pointer to a struct that holds one) is out of reach, as it is for
// every fact the analysis proves.

// procAttrFacts say which fields of syscall.SysProcAttr reachable code can
// set.
type procAttrFacts struct {
	// all, when not empty, says why any field can be set.
	all string
	// set maps each field that can be set to a place that sets it.
	set map[string]string
}

// settable returns the fields of SysProcAttr that can be set, sorted, each
// with where ("*" for all, with the reason).
func (f *procAttrFacts) settable() []string {
	if f.all != "" {
		return []string{"*: " + f.all}
	}
	var out []string
	for name, at := range f.set {
		out = append(out, name+" ("+at+")")
	}
	sort.Strings(out)
	return out
}

// procAttrFacts returns, computed once, which fields of syscall.SysProcAttr
// the code r reaches can set.
func (p *program) procAttrFacts(r *reach) *procAttrFacts {
	if p.procAttr != nil {
		return p.procAttr
	}
	f := &procAttrFacts{set: map[string]string{}}
	p.procAttr = f
	// The functions of r with such instructions, from the index of the
	// program's functions, and those made since (wrappers made on
	// demand), looked at now.
	idx := p.procAttrIndex()
	all := p.values().functions()
	events := map[*ssa.Function][]procAttrEvent{}
	with := map[*ssa.Function]bool{}
	for fn := range r.funcs {
		evs, indexed := idx[fn], all[fn]
		if !indexed {
			evs = procAttrEventsOf(fn)
		}
		if len(evs) > 0 {
			events[fn], with[fn] = evs, true
		}
	}
	for _, fn := range p.sortedFuncs(with) {
		for _, ev := range events[fn] {
			switch {
			case ev.field != "":
				if f.set[ev.field] == "" {
					f.set[ev.field] = p.pos(ev.instr.Pos()) + " in " + fn.RelString(nil)
				}
			case f.all == "":
				f.all = "converted from " + ev.from.String() + " at " + p.pos(ev.instr.Pos()) + " in " + fn.RelString(nil)
			}
		}
	}
	if f.all == "" && p.reflectCanSet(r, "SysProcAttr") {
		f.all = "reflection can set the fields of a syscall.SysProcAttr"
	}
	return f
}

// reflectCanSet reports whether reflection can set fields of the syscall
// type name: a reflect.Value setter whose receiver can be a field of that
// type (see hiddenFlow.fieldWrites) is reachable.
func (p *program) reflectCanSet(r *reach, name string) bool {
	rt := p.reflectTypes(r)
	if rt == nil {
		return false
	}
	h := p.newHiddenFlow(r)
	all, written := h.fieldWrites(append(append([]reflectWriter(nil), interfaceWriters...), scalarWriters...))
	for _, t := range rt.list {
		if isNamed(t, "syscall", name) && (all || written.At(t) != nil) {
			return true
		}
	}
	return false
}

// procAttrEvent is an instruction procAttrFacts looks for: one that
// takes the address of field of a syscall.SysProcAttr for anything but a
// load, or (field empty) one that makes a SysProcAttr by converting a
// value of type from.
type procAttrEvent struct {
	instr ssa.Instruction
	field string
	from  types.Type
}

// procAttrIndex returns the procAttrEvents of each function of the
// program that has any, in the order of its instructions: built once,
// in the background with the indexes of stores (see buildProgram).
func (p *program) procAttrIndex() map[*ssa.Function][]procAttrEvent {
	p.awaitIndexes()
	if p.procAttrIdx == nil {
		p.procAttrIdx = p.indexProcAttr()
	}
	return p.procAttrIdx
}

// indexProcAttr builds procAttrIndex's index.
func (p *program) indexProcAttr() map[*ssa.Function][]procAttrEvent {
	idx := map[*ssa.Function][]procAttrEvent{}
	for fn := range p.values().functions() {
		if evs := procAttrEventsOf(fn); len(evs) > 0 {
			idx[fn] = evs
		}
	}
	return idx
}

// procAttrEventsOf returns the procAttrEvents of fn, in order.
func procAttrEventsOf(fn *ssa.Function) []procAttrEvent {
	var out []procAttrEvent
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			switch in := instr.(type) {
			case *ssa.FieldAddr:
				name, ok := sysProcAttrFieldName(in)
				if !ok {
					continue
				}
				for _, ref := range *in.Referrers() {
					if u, ok := ref.(*ssa.UnOp); ok && u.Op == token.MUL && u.X == in {
						continue
					}
					if _, ok := ref.(*ssa.DebugRef); ok {
						continue
					}
					out = append(out, procAttrEvent{instr: in, field: name})
					break
				}
			case *ssa.ChangeType:
				if makesSysProcAttr(in.Type(), in.X.Type()) {
					out = append(out, procAttrEvent{instr: in, from: in.X.Type()})
				}
			case *ssa.Convert:
				if makesSysProcAttr(in.Type(), in.X.Type()) {
					out = append(out, procAttrEvent{instr: in, from: in.X.Type()})
				}
			}
		}
	}
	return out
}

// makesSysProcAttr reports whether a conversion from type from to type to
// makes a SysProcAttr (or a pointer to one) out of something else.
func makesSysProcAttr(to, from types.Type) bool {
	elem := func(t types.Type) types.Type {
		if p, ok := t.Underlying().(*types.Pointer); ok {
			return p.Elem()
		}
		return t
	}
	return isNamed(elem(to), "syscall", "SysProcAttr") && !isNamed(elem(from), "syscall", "SysProcAttr")
}

// sysProcAttrFieldName returns the name of the syscall.SysProcAttr field
// fa addresses.
func sysProcAttrFieldName(fa *ssa.FieldAddr) (string, bool) {
	ptr, ok := fa.X.Type().Underlying().(*types.Pointer)
	if !ok || !isNamed(ptr.Elem(), "syscall", "SysProcAttr") {
		return "", false
	}
	st, ok := ptr.Elem().Underlying().(*types.Struct)
	if !ok || fa.Field >= st.NumFields() {
		return "", false
	}
	return st.Field(fa.Field).Name(), true
}

// nilConst stands for the nil value of a pointer, slice, map, channel or
// function type in constant folding, which go/constant cannot express.
// SSA values are typed, so a value of such a type folds only to nilConst
// or not at all, and never meets a string constant in a comparison, a phi
// or a parameter.
var nilConst = constant.MakeString("\x00nil")

// nilable reports whether nil is a value of t that folding represents
// with nilConst.
func nilable(t types.Type) bool {
	switch u := t.Underlying().(type) {
	case *types.Pointer, *types.Slice, *types.Map, *types.Chan, *types.Signature:
		return true
	case *types.Basic:
		return u.Kind() == types.UnsafePointer
	}
	return false
}

// zeroOf returns the zero value of t as folding represents it, for
// booleans, numbers, strings and the types nil belongs to.
func zeroOf(t types.Type) (constant.Value, bool) {
	if nilable(t) {
		return nilConst, true
	}
	b, ok := t.Underlying().(*types.Basic)
	if !ok {
		return nil, false
	}
	switch {
	case b.Info()&types.IsBoolean != 0:
		return constant.MakeBool(false), true
	case b.Info()&types.IsInteger != 0:
		return constant.MakeInt64(0), true
	case b.Info()&types.IsString != 0:
		return constant.MakeString(""), true
	}
	return nil, false
}

// unsetField folds a load of a syscall.SysProcAttr field that no reachable
// code can set to the field's zero value.
func (w *csWalker) unsetField(load *ssa.UnOp) (constant.Value, bool) {
	fa, ok := load.X.(*ssa.FieldAddr)
	if !ok {
		return nil, false
	}
	name, ok := sysProcAttrFieldName(fa)
	if !ok {
		return nil, false
	}
	f := w.p.procAttrFacts(w.r)
	if f.all != "" || f.set[name] != "" {
		return nil, false
	}
	return zeroOf(load.Type())
}
