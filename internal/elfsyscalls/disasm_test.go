package elfsyscalls

import (
	"slices"
	"testing"
)

func TestSyscallNumbers(t *testing.T) {
	tests := []struct {
		name string
		code []byte
		want []int64
	}{
		{"mov eax", []byte{0xb8, 0x4a, 0, 0, 0, 0x0f, 0x05}, []int64{74}},
		{"through r8d", []byte{
			0x41, 0xb8, 0xca, 0, 0, 0, // mov $0xca,%r8d
			0x44, 0x89, 0xc0, // mov %r8d,%eax
			0x0f, 0x05, // syscall
		}, []int64{202}},
		{"number from an argument", []byte{0x89, 0xf8, 0x0f, 0x05}, []int64{-1}},
		{"xor eax", []byte{0x31, 0xc0, 0x0f, 0x05}, []int64{0}},
		{"after a call", []byte{
			0xb8, 0x01, 0, 0, 0, // mov $1,%eax
			0xe8, 0, 0, 0, 0, // call next
			0x0f, 0x05, // syscall: eax is the callee's result
		}, []int64{-1}},
		{"retry loop keeps the number", []byte{
			0xba, 0x3c, 0, 0, 0, // mov $60,%edx
			0x89, 0xd0, // loop: mov %edx,%eax
			0x0f, 0x05, // syscall
			0xeb, 0xf9, // jmp loop
		}, []int64{60}},
		{"two paths, two numbers", []byte{
			0x85, 0xff, // test %edi,%edi
			0x74, 0x07, // je +7
			0xb8, 0x01, 0, 0, 0, // mov $1,%eax
			0xeb, 0x05, // jmp +5
			0xb8, 0x02, 0, 0, 0, // mov $2,%eax
			0x0f, 0x05, // syscall
		}, []int64{-1}},
		{"two paths, one number", []byte{
			0x85, 0xff, // test %edi,%edi
			0x74, 0x07, // je +7
			0xb8, 0x27, 0, 0, 0, // mov $39,%eax
			0xeb, 0x05, // jmp +5
			0xb8, 0x27, 0, 0, 0, // mov $39,%eax
			0x0f, 0x05, // syscall
		}, []int64{39}},
		{"setxid broadcast", []byte{
			0x48, 0x8b, 0x70, 0x10, // mov 0x10(%rax),%rsi
			0x48, 0x8b, 0x78, 0x08, // mov 0x8(%rax),%rdi
			0x48, 0x8b, 0x50, 0x18, // mov 0x18(%rax),%rdx
			0x8b, 0x00, // mov (%rax),%eax
			0x0f, 0x05, // syscall
		}, []int64{setxidNr}},
		{"number from memory", []byte{
			0x48, 0x8b, 0x70, 0x10, // mov 0x10(%rax),%rsi
			0x48, 0x8b, 0x78, 0x08, // mov 0x8(%rax),%rdi
			0x8b, 0x00, // mov (%rax),%eax
			0x0f, 0x05, // syscall
		}, []int64{-1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &graph{Funcs: []function{{Start: 0x1000, End: 0x1000 + uint64(len(tt.code))}}}
			disassemble(g, 0, tt.code, nil, nil, map[uint64]int{0x1000: 0})
			if !slices.Equal(g.Funcs[0].Syscalls, tt.want) {
				t.Errorf("syscalls %v, want %v", g.Funcs[0].Syscalls, tt.want)
			}
		})
	}
}

func TestTableAt(t *testing.T) {
	index := map[uint64]int{0x100: 0, 0x200: 1, 0x300: 2, 0x400: 3}
	tests := []struct {
		name  string
		slots map[uint64]uint64
		want  []int
	}{
		// struct _IO_jump_t: two dummy words, then the functions.
		{"vtable after two dummies", map[uint64]uint64{0x5010: 0x100, 0x5018: 0x200, 0x5028: 0x300}, []int{0, 1, 2}},
		{"ends at two empty slots", map[uint64]uint64{0x5000: 0x100, 0x5018: 0x200}, []int{0}},
		{"ends at a pointer to data", map[uint64]uint64{0x5000: 0x100, 0x5008: 0x9999, 0x5010: 0x200}, []int{0}},
		{"no table", map[uint64]uint64{0x5040: 0x100}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := map[int]bool{}
			tableAt(0x5000, tt.slots, index, calls)
			var got []int
			for j := range calls {
				got = append(got, j)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("functions %v, want %v", got, tt.want)
			}
		})
	}
}
