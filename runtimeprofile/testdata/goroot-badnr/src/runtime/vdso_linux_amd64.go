package runtime

type vdsoSymbolKey struct {
	name    string
	symhash uint32
	gnuHash uint32
	ptr     *uintptr
}

var vdsoSymbolKeys = []vdsoSymbolKey{
	{"__vdso_clock_gettime", 0xd35ec75, 0x6e43a318, &vdsoClockgettimeSym},
	{"__vdso_getrandom", 0x25425d, 0x84a559bf, &vdsoGetrandomSym},
}

var (
	vdsoClockgettimeSym uintptr
	vdsoGetrandomSym    uintptr // looked up, never called
)
