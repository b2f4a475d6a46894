// Package elfsyscalls finds the syscalls that the C code of a linked ELF
// program can make, by binary analysis.
//
// A Go program built with cgo links C objects (its own C code and the C
// libraries it uses) that call into shared libraries such as glibc. The
// Go analysis cannot see those calls. Analyze reads the linked program:
//
//   - the functions its C code imports from shared libraries (the dynamic
//     symbols), less those runtime/cgo itself imports, whose syscalls the
//     runtime profile's cgo group covers;
//   - the shared libraries the dynamic loader would load (DT_NEEDED,
//     searched in DT_RUNPATH/DT_RPATH, the directories of /etc/ld.so.conf
//     and the standard ones);
//   - in each library, the functions reachable from each imported function
//     through direct calls and jumps, calls through the PLT or the GOT
//     (followed into the library that defines the symbol, as the loader's
//     global scope would bind it), IFUNC resolvers, and functions whose
//     address reachable code takes;
//   - the syscall instructions of those functions, each with its number
//     taken from the constant last moved into eax/rax in the same block
//     (glibc's `mov $N,%eax; syscall`);
//   - the syscall instructions of the C code linked into the program
//     itself (statically linked C, musl-static builds).
//
// Function bounds in a stripped library come from the unwind table
// (.eh_frame_hdr) and the dynamic symbols; each function is disassembled
// whole (golang.org/x/arch/x86/x86asm), so the cases of a switch are
// covered even though their jump table is not followed.
//
// Where a syscall's number cannot be worked out (glibc's syscall(2)
// wrapper takes it in a register), the result names the function and
// falls back to the library's whole syscall set: every number resolved
// anywhere in that library (Result.Fallback says which libraries). An
// indirect call whose target is not a function whose address reachable
// code takes is not followed; see docs/threat-model.md.
//
// The per-library work (disassembly and call graph) is cached under
// os.UserCacheDir()/sandboxgen/elfsyscalls, keyed by the library's GNU
// build ID (or the SHA-256 of its content when it has none), so a second
// program on the same machine only walks the cached graphs. The graph of
// the program's own C code is cached too, keyed by the hash of that code,
// its addresses and the dynamic relocations: analysing the same program
// again (its Go code unchanged in size) costs milliseconds.
//
// Only amd64 is supported; Analyze returns ErrUnsupportedArch otherwise.
package elfsyscalls
