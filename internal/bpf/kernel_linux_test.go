package bpf

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sandboxgen/sandboxgen/internal/childtest"
	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// seccompRetErrno is SECCOMP_RET_ERRNO.
const seccompRetErrno = 0x00050000

// errnoMask keeps the errno a random program answers with below 512, where
// the kernel's own restart codes (ERESTARTSYS and the like) begin.
const errnoMask = 0x1ff

// randomPrograms is how many random programs the kernel and the
// interpreter both run.
const randomPrograms = 300

// randomProgram builds a valid program from seed: the guard, all scratch
// words written, a random body of every computing opcode and forward jumps
// that stay inside the body, and an end that answers with
// ERRNO(A & errnoMask), so the errno the probe syscall returns is A's low bits.
// Division by X only follows an X made non-zero, because the kernel ends a
// filter that divides by zero with KILL_THREAD.
func randomProgram(seed uint64) []Instruction {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	p := guard()
	p = append(p, stmt(ClassLD|ModeIMM, r.Uint32()))
	for i := range uint32(MemWords) {
		p = append(p, stmt(ClassST, i), stmt(ClassALU|AluADD|SrcK, r.Uint32()))
	}
	n := 5 + r.IntN(40)
	var body [][]Instruction
	for range n {
		var ops []Instruction
		switch r.IntN(12) {
		case 0:
			ops = []Instruction{stmt(OpLoadAbs, uint32(r.IntN(DataSize/4))*4)}
			if ops[0].K == OffsetIP || ops[0].K == OffsetIP+4 {
				ops[0].K = OffsetNr // the probe cannot choose its instruction pointer
			}
		case 1:
			ops = []Instruction{[]Instruction{stmt(ClassLD|SizeW|ModeLEN, 0), stmt(ClassLDX|SizeW|ModeLEN, 0), stmt(ClassLD|ModeIMM, r.Uint32()), stmt(ClassLDX|ModeIMM, r.Uint32())}[r.IntN(4)]}
		case 2:
			k := uint32(r.IntN(MemWords))
			ops = []Instruction{[]Instruction{stmt(ClassLD|ModeMEM, k), stmt(ClassLDX|ModeMEM, k), stmt(ClassST, k), stmt(ClassSTX, k)}[r.IntN(4)]}
		case 3:
			ops = []Instruction{stmt(ClassMISC|MiscTAX, 0), stmt(ClassMISC|MiscTXA, 0)}[r.IntN(2):][:1]
		case 4, 5:
			op := []uint16{AluADD, AluSUB, AluMUL, AluDIV, AluOR, AluAND, AluXOR, AluLSH, AluRSH}[r.IntN(9)]
			k := r.Uint32()
			switch op {
			case AluDIV:
				k = k>>r.IntN(32) | 1
			case AluLSH, AluRSH:
				k %= 32
			}
			ops = []Instruction{stmt(ClassALU|op|SrcK, k)}
		case 6, 7:
			op := []uint16{AluADD, AluSUB, AluMUL, AluDIV, AluOR, AluAND, AluXOR, AluLSH, AluRSH}[r.IntN(9)]
			if op == AluDIV {
				ops = []Instruction{stmt(ClassLDX|ModeIMM, r.Uint32()>>r.IntN(32)|1)}
			}
			ops = append(ops, stmt(ClassALU|op|SrcX, 0))
		case 8:
			ops = []Instruction{stmt(ClassALU|AluNEG, 0)}
		case 9, 10:
			op := []uint16{JmpJEQ, JmpJGT, JmpJGE, JmpJSET}[r.IntN(4)]
			k := r.Uint32()
			if r.IntN(2) == 0 {
				k = uint32(r.IntN(8)) // small constants make both ways likely
			}
			ops = []Instruction{jump(ClassJMP|op|SrcK|uint16(r.IntN(2))*SrcX, k, 0, 0)}
		case 11:
			ops = []Instruction{stmt(OpJA, 0)}
		}
		body = append(body, ops)
	}
	var flat []Instruction
	for _, ops := range body {
		flat = append(flat, ops...)
	}
	// Jump offsets go up to the first instruction of the end, never past
	// it, and never onto a division by X, whose X is set just before it.
	offset := func(i, limit int) int {
		off := r.IntN(limit + 1)
		if t := i + 1 + off; t < len(flat) && flat[t].Code == ClassALU|AluDIV|SrcX {
			off-- // the ldx in front of it; never the jump itself, which is no ldx
		}
		return off
	}
	for i := range flat {
		room := len(flat) - i - 1
		switch {
		case flat[i].Code == OpJA:
			flat[i].K = uint32(offset(i, room))
		case flat[i].IsConditionalJump():
			flat[i].Jt = uint8(offset(i, min(room, 255)))
			flat[i].Jf = uint8(offset(i, min(room, 255)))
		}
	}
	p = append(p, flat...)
	return append(p, stmt(OpAndK, errnoMask), stmt(ClassALU|AluOR|SrcK, seccompRetErrno), retA())
}

// probeArgs are the arguments the probe syscall is made with for seed.
func probeArgs(seed uint64) [6]uint64 {
	r := rand.New(rand.NewPCG(seed, 0xa765))
	var a [6]uint64
	for i := range a {
		switch r.IntN(3) {
		case 0:
			a[i] = uint64(r.IntN(8))
		case 1:
			a[i] = r.Uint64()
		default:
			a[i] = uint64(r.Uint32())
		}
	}
	return a
}

// TestKernelAgrees loads programs into the running kernel in a child
// process, each on a thread of its own that exits afterwards: the
// validator must accept exactly what the kernel accepts, and for random
// programs the errno the kernel answers the probe syscall with must be
// what the interpreter computes.
func TestKernelAgrees(t *testing.T) {
	if childtest.InChild(t) {
		kernelChild()
		return
	}
	table, err := systable.Lookup(runtime.GOARCH)
	if err != nil {
		t.Skipf("no syscall table for %s: %v", runtime.GOARCH, err)
	}
	res := childtest.Run(t, 0)
	if res.ExitCode != 0 {
		t.Fatalf("child failed: %v", res)
	}
	got := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(res.Stdout))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			got[k] = v
		}
	}
	if v := got["seccomp"]; v != "" {
		t.Skipf("this kernel does not take seccomp filters here: %s", v)
	}
	for i, tc := range validateCases {
		key := "validate" + strconv.Itoa(i)
		want := "accepted"
		if Validate(append(guard(), tc.body...)) != nil {
			want = "EINVAL"
		}
		if got[key] != want {
			t.Errorf("%s: kernel: %s, Validate: %s", tc.name, got[key], want)
		}
	}
	for seed := range uint64(randomPrograms) {
		prog := randomProgram(seed)
		if err := Validate(prog); err != nil {
			t.Fatalf("random program %d is invalid: %v", seed, err)
		}
		d := SeccompData{Nr: kernelProbeNr, Arch: table.AuditArch, Args: probeArgs(seed)}
		r, err := Run(prog, d, table.BigEndian)
		if err != nil {
			t.Fatalf("random program %d: %v", seed, err)
		}
		if r.Ret&^errnoMask != seccompRetErrno {
			t.Fatalf("random program %d returns %#x, not an errno: the generator is wrong\n%v", seed, r.Ret, prog)
		}
		want := strconv.FormatUint(uint64(r.Ret&errnoMask), 10)
		if g := got["random"+strconv.FormatUint(seed, 10)]; g != want {
			t.Errorf("random program %d on args %#x: kernel errno %s, interpreter %s\n%v", seed, d.Args, g, want, prog)
		}
	}
}

// kernelChild prints key=value lines: validateN=accepted|EINVAL|<error>
// and randomN=<errno the probe got>.
func kernelChild() {
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	if err := onFreshThread(func() error { return load([]Instruction{stmt(OpRetK, SeccompRetAllow)}) }); err != nil {
		fmt.Fprintf(out, "seccomp=%v\n", err)
		return
	}
	for i, tc := range validateCases {
		verdict := "accepted"
		if err := onFreshThread(func() error { return load(append(guard(), tc.body...)) }); err == unix.EINVAL {
			verdict = "EINVAL"
		} else if err != nil {
			verdict = err.Error()
		}
		fmt.Fprintf(out, "validate%d=%s\n", i, verdict)
	}
	for seed := range uint64(randomPrograms) {
		var errno syscall.Errno
		err := onFreshThread(func() error {
			if err := load(randomProgram(seed)); err != nil {
				return err
			}
			a := probeArgs(seed)
			_, _, errno = unix.RawSyscall6(kernelProbeNr, uintptr(a[0]), uintptr(a[1]), uintptr(a[2]), uintptr(a[3]), uintptr(a[4]), uintptr(a[5]))
			return nil
		})
		if err != nil {
			fmt.Fprintf(out, "random%d=load: %v\n", seed, err)
			continue
		}
		fmt.Fprintf(out, "random%d=%d\n", seed, uint32(errno))
	}
}

// onFreshThread runs f on an OS thread of its own that ends with it, so
// the filter f loads binds nothing else.
func onFreshThread(f func() error) error {
	done := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		done <- f()
	}()
	return <-done
}

// load installs prog on the calling thread only.
func load(prog []Instruction) error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return err
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: (*unix.SockFilter)(unsafe.Pointer(&prog[0]))}
	_, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fprog)))
	if e != 0 {
		return e
	}
	return nil
}
