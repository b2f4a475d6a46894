// The runtime functions the compiler calls (a two-entry stand-in).
package runtime

func panicIndex(x int, y int)
func newobject(typ *byte) *any
