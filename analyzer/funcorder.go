package analyzer

import (
	"go/token"
	"sort"

	"golang.org/x/tools/go/ssa"
)

// funcOrder puts sets of functions in a stable order: by file name and
// offset, then by name. (Not by token.Pos: the files of a package are
// parsed concurrently, so their ranges in the file set come in no fixed
// order from run to run.) It remembers each function's place and name:
// the walks sort the reach, 15,000 functions on the 249-package benchmark,
// a dozen times, and computing the names of the functions without a
// position (wrappers) at each sort took 60 of the 140 ms the sorts took.
type funcOrder struct {
	fset  *token.FileSet
	ranks map[*token.File]int // every file of fset, ranked by name
	keys  map[*ssa.Function]funcPlace
	names map[*ssa.Function]string
}

// funcPlace is where a function sorts: rank is its file's rank (-1 for a
// function without a position, which sorts first) and off its offset.
type funcPlace struct{ rank, off int }

// sortedFuncs returns the functions of set in funcOrder's order, for a
// one-off sort.
func sortedFuncs(set map[*ssa.Function]bool) []*ssa.Function {
	return new(funcOrder).sorted(set)
}

// sortedFuncs returns the functions of set in funcOrder's order.
func (p *program) sortedFuncs(set map[*ssa.Function]bool) []*ssa.Function {
	return p.order.sorted(set)
}

// sorted returns the functions of set in order.
func (o *funcOrder) sorted(set map[*ssa.Function]bool) []*ssa.Function {
	type keyed struct {
		fn *ssa.Function
		funcPlace
	}
	out := make([]keyed, 0, len(set))
	for fn := range set {
		out = append(out, keyed{fn, o.place(fn)})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		if a.off != b.off {
			return a.off < b.off
		}
		// Functions at one position (wrappers have none, the instances
		// of a generic function share its) go by name.
		return o.name(a.fn) < o.name(b.fn)
	})
	fns := make([]*ssa.Function, len(out))
	for i, k := range out {
		fns[i] = k.fn
	}
	return fns
}

// place returns where fn sorts, computed once.
func (o *funcOrder) place(fn *ssa.Function) funcPlace {
	if k, ok := o.keys[fn]; ok {
		return k
	}
	k := funcPlace{rank: -1}
	if pos := fn.Pos(); pos.IsValid() && fn.Prog != nil {
		if tf := fn.Prog.Fset.File(pos); tf != nil {
			k.rank, k.off = o.rank(fn.Prog.Fset, tf), tf.Offset(pos)
		}
	}
	if o.keys == nil {
		o.keys = map[*ssa.Function]funcPlace{}
	}
	o.keys[fn] = k
	return k
}

// rank returns tf's rank by name among the files of fset. The files are
// ranked once, all of them, so that the ranks of any subset keep their
// order; again if a file was added since.
func (o *funcOrder) rank(fset *token.FileSet, tf *token.File) int {
	if r, ok := o.ranks[tf]; ok && o.fset == fset {
		return r
	}
	var files []*token.File
	fset.Iterate(func(f *token.File) bool {
		files = append(files, f)
		return true
	})
	sort.SliceStable(files, func(i, j int) bool { return files[i].Name() < files[j].Name() })
	o.fset, o.ranks = fset, make(map[*token.File]int, len(files))
	for i, f := range files {
		o.ranks[f] = i
	}
	return o.ranks[tf]
}

// name returns fn.String(), computed once.
func (o *funcOrder) name(fn *ssa.Function) string {
	n, ok := o.names[fn]
	if !ok {
		if o.names == nil {
			o.names = map[*ssa.Function]string{}
		}
		n = fn.String()
		o.names[fn] = n
	}
	return n
}
