package elfsyscalls

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"golang.org/x/arch/x86/x86asm"
)

// graphVersion changes whenever the layout or the meaning of a cached
// graph changes, so that an older cache entry is not read.
const graphVersion = 6

// graph is the call graph of one ELF file's code, what is cached per
// library.
type graph struct {
	Version int
	Funcs   []function
	// Exports maps a defined dynamic function symbol to its function
	// (for an IFUNC, the resolver).
	Exports map[string]int
	// AllNrs are the numbers of every syscall instruction whose number
	// resolves, in the whole file: the fallback where one does not.
	AllNrs []uint32
}

// function is one function of a graph.
type function struct {
	Start, End uint64
	Name       string // symbol name, or "" for an internal function
	// Syscalls are the numbers of the function's syscall instructions,
	// -1 for one whose number is not a constant, setxidNr for glibc's
	// setxid broadcast.
	Syscalls []int64
	Calls    []int    // functions of the same file called, jumped to or address-taken
	Imports  []string // symbols called or referenced through the PLT or the GOT
	// WrapperNrs are the numbers the function passes to libc's
	// syscall(2) wrapper (in %rdi), one per reference, -1 where it is
	// not a constant or the wrapper's address is taken.
	WrapperNrs []int64
}

// syscallWrapper is the name of libc's syscall(2), which takes the
// syscall's number as its first argument.
const syscallWrapper = "syscall"

// label names function i of g in library lib.
func (g *graph) label(i int, lib string) string {
	f := g.Funcs[i]
	if f.Name != "" {
		return f.Name
	}
	return fmt.Sprintf("%s+%#x", lib, f.Start)
}

// find returns the index of the function containing addr.
func (g *graph) find(addr uint64) (int, bool) {
	i := sort.Search(len(g.Funcs), func(i int) bool { return g.Funcs[i].Start > addr }) - 1
	if i < 0 || addr >= g.Funcs[i].End {
		return 0, false
	}
	return i, true
}

// funcSym is a function start with its name and, when known, its end.
type funcSym struct {
	start, end uint64
	name       string
}

// buildGraph disassembles the executable code of f. include, when not
// nil, limits the functions to those it accepts (used to leave out the Go
// code of a program); names are taken from the symbol tables.
func buildGraph(f *elf.File, include func(funcSym) bool) (*graph, error) {
	if f.Machine != elf.EM_X86_64 {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedArch, f.Machine)
	}
	exec := execSections(f)
	if len(exec) == 0 {
		return nil, errors.New("no executable section")
	}
	starts := map[uint64]funcSym{}
	add := func(s funcSym) {
		if sectionOf(exec, s.start) == nil {
			return
		}
		if old, ok := starts[s.start]; ok && (old.name != "" || s.name == "") {
			if old.end == 0 {
				old.end = s.end
				starts[s.start] = old
			}
			return
		}
		starts[s.start] = s
	}
	g := &graph{Version: graphVersion, Exports: map[string]int{}}
	dyn, _ := f.DynamicSymbols()
	syms, _ := f.Symbols()
	for _, list := range [][]elf.Symbol{syms, dyn} {
		for _, s := range list {
			t := elf.ST_TYPE(s.Info)
			if (t != elf.STT_FUNC && t != elf.STT_GNU_IFUNC) || s.Section == elf.SHN_UNDEF || s.Value == 0 {
				continue
			}
			fs := funcSym{start: s.Value, name: s.Name}
			if s.Size > 0 {
				fs.end = s.Value + s.Size
			}
			add(fs)
		}
	}
	for _, a := range ehFrameStarts(f) {
		add(funcSym{start: a})
	}
	var list []funcSym
	for _, s := range starts {
		if include == nil || include(s) {
			list = append(list, s)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].start < list[j].start })

	plt := pltTargets(f, exec)
	slots := pointerSlots(f)
	index := map[uint64]int{}
	for i, s := range list {
		sec := sectionOf(exec, s.start)
		end := sec.Addr + sec.Size
		if i+1 < len(list) && list[i+1].start < end {
			end = list[i+1].start
		}
		if s.end != 0 && s.end < end && include != nil {
			// In a program, symbol sizes keep C functions from running
			// into the Go code that follows them.
			end = s.end
		}
		g.Funcs = append(g.Funcs, function{Start: s.start, End: end, Name: s.name})
		index[s.start] = i
	}
	for _, list := range [][]elf.Symbol{dyn} {
		for _, s := range list {
			t := elf.ST_TYPE(s.Info)
			if (t == elf.STT_FUNC || t == elf.STT_GNU_IFUNC) && s.Section != elf.SHN_UNDEF {
				if i, ok := index[s.Value]; ok {
					g.Exports[s.Name] = i
				}
			}
		}
	}
	all := map[uint32]bool{}
	for i := range g.Funcs {
		fn := &g.Funcs[i]
		sec := sectionOf(exec, fn.Start)
		code := make([]byte, fn.End-fn.Start)
		if _, err := sec.ReadAt(code, int64(fn.Start-sec.Addr)); err != nil {
			return nil, fmt.Errorf("read %s at %#x: %v", sec.Name, fn.Start, err)
		}
		disassemble(g, i, code, plt, slots, index)
		for _, nr := range fn.Syscalls {
			if nr >= 0 {
				all[uint32(nr)] = true
			}
		}
	}
	for nr := range all {
		g.AllNrs = append(g.AllNrs, nr)
	}
	sort.Slice(g.AllNrs, func(i, j int) bool { return g.AllNrs[i] < g.AllNrs[j] })
	return g, nil
}

// pltRef is what a PLT stub or a GOT slot leads to: a symbol, bound by
// the loader, or (IRELATIVE) the IFUNC resolver at an address of the
// same file.
type pltRef struct {
	sym      string
	resolver uint64
}

// into records r as a call of the function it leads to.
func (r pltRef) into(g *graph, calls map[int]bool, imports map[string]bool, index map[uint64]int) {
	if r.sym != "" {
		imports[r.sym] = true
		return
	}
	if j, ok := index[r.resolver]; ok {
		calls[j] = true
	} else if j, ok := g.find(r.resolver); ok {
		calls[j] = true
	}
}

// pltTargets maps GOT slots (by address) and PLT stubs (by entry address)
// to what the dynamic relocations bind them to.
func pltTargets(f *elf.File, exec []*elf.Section) map[uint64]pltRef {
	out := map[uint64]pltRef{}
	dyn, _ := f.DynamicSymbols()
	eachRela(f, func(r, info, addend uint64) {
		typ, sym := elf.R_X86_64(info&0xffffffff), info>>32
		switch typ {
		case elf.R_X86_64_JMP_SLOT, elf.R_X86_64_GLOB_DAT, elf.R_X86_64_64:
			if sym >= 1 && int(sym) <= len(dyn) {
				s := dyn[sym-1]
				t := elf.ST_TYPE(s.Info)
				if t == elf.STT_FUNC || t == elf.STT_GNU_IFUNC || (t == elf.STT_NOTYPE && s.Section == elf.SHN_UNDEF) {
					out[r] = pltRef{sym: s.Name}
				}
			}
		case elf.R_X86_64_IRELATIVE:
			out[r] = pltRef{resolver: addend}
		}
	})
	// A PLT stub jumps through its GOT slot: `jmp *slot(%rip)`, after an
	// endbr64 or a bnd prefix in .plt.sec.
	for _, sec := range exec {
		if sec.Name != ".plt" && sec.Name != ".plt.sec" && sec.Name != ".plt.got" {
			continue
		}
		code, err := sec.Data()
		if err != nil {
			continue
		}
		for off := 0; off < len(code); {
			inst, err := x86asm.Decode(code[off:], 64)
			if err != nil {
				off++
				continue
			}
			if inst.Op == x86asm.JMP {
				if m, ok := inst.Args[0].(x86asm.Mem); ok && m.Base == x86asm.RIP {
					slot := uint64(int64(sec.Addr) + int64(off+inst.Len) + m.Disp)
					if ref, ok := out[slot]; ok {
						// The stub starts at the 16-byte entry holding
						// the jump (8 bytes in .plt.got).
						size := uint64(16)
						if sec.Name == ".plt.got" {
							size = 8
						}
						entry := sec.Addr + (uint64(off)/size)*size
						out[entry] = ref
					}
				}
			}
			off += inst.Len
		}
	}
	return out
}

// pointerSlots maps the data words that the loader fills with an address
// of the file itself (R_X86_64_RELATIVE relocations) to that address: the
// function pointers of its tables, among other pointers.
func pointerSlots(f *elf.File) map[uint64]uint64 {
	out := map[uint64]uint64{}
	eachRela(f, func(r, info, addend uint64) {
		if elf.R_X86_64(info&0xffffffff) == elf.R_X86_64_RELATIVE {
			out[r] = addend
		}
	})
	return out
}

// eachRela calls fn with the offset, info and addend of every Elf64_Rela
// entry (24 bytes, little-endian: amd64) of f's SHT_RELA sections.
func eachRela(f *elf.File, fn func(r, info, addend uint64)) {
	for _, sec := range f.Sections {
		if sec.Type != elf.SHT_RELA {
			continue
		}
		data, err := sec.Data()
		if err != nil {
			continue
		}
		for off := 0; off+24 <= len(data); off += 24 {
			fn(binary.LittleEndian.Uint64(data[off:]), binary.LittleEndian.Uint64(data[off+8:]), binary.LittleEndian.Uint64(data[off+16:]))
		}
	}
}

// execSections returns the allocated, executable sections with contents.
func execSections(f *elf.File) []*elf.Section {
	var out []*elf.Section
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_EXECINSTR != 0 && s.Flags&elf.SHF_ALLOC != 0 && s.Type == elf.SHT_PROGBITS {
			out = append(out, s)
		}
	}
	return out
}

// sectionOf returns the section of secs holding addr, or nil.
func sectionOf(secs []*elf.Section, addr uint64) *elf.Section {
	for _, s := range secs {
		if addr >= s.Addr && addr < s.Addr+s.Size {
			return s
		}
	}
	return nil
}

// ehFrameStarts returns the function starts of the unwind table's binary
// search table (.eh_frame_hdr), which a stripped library still has.
func ehFrameStarts(f *elf.File) []uint64 {
	sec := f.Section(".eh_frame_hdr")
	if sec == nil {
		return nil
	}
	data, err := sec.Data()
	if err != nil || len(data) < 4 || data[0] != 1 {
		return nil
	}
	ptrEnc, countEnc, tableEnc := data[1], data[2], data[3]
	// Only the encodings linkers emit: eh_frame_ptr pcrel sdata4,
	// fde_count udata4, table datarel sdata4.
	if ptrEnc != 0x1b || countEnc != 0x03 || tableEnc != 0x3b || len(data) < 12 {
		return nil
	}
	count := int(binary.LittleEndian.Uint32(data[8:]))
	var out []uint64
	for i := 0; i < count && 12+8*i+8 <= len(data); i++ {
		rel := int32(binary.LittleEndian.Uint32(data[12+8*i:]))
		out = append(out, uint64(int64(sec.Addr)+int64(rel)))
	}
	return out
}
