package runtime

import "internal/runtime/syscall/linux"

func futex()
func madvise()
func exit()
func brandNew()
func nanotime1() int64
func mstart()

// schedinit runs only before main: rt0_go calls it. The goroutine it
// starts can run at any time, so its syscall counts after main.
func schedinit() {
	onlyAtStart()
	go func() {
		linux.Syscall6(linux.SYS_MUNMAP, 0, 0, 0, 0, 0, 0)
	}()
}

// onlyAtStart has one caller, schedinit.
func onlyAtStart() {
	madvise()
}

// main is reached through mainPC, an assembly data reference.
func main() {
	futex()
	brandNew()
	netpollinit()
	_ = nanotime1()
	allThreads(17)
	exit()
}

func netpollinit() {
	linux.EpollCreate1(0)
}

// allThreads passes a number it does not know to Syscall6.
func allThreads(trap uintptr) {
	linux.Syscall6(trap, 0, 0, 0, 0, 0, 0)
}

// neverCalled has no caller and escapes nowhere: its syscall cannot run.
func neverCalled() {
	linux.Syscall6(linux.SYS_MPROTECT, 0, 0, 0, 0, 0, 0)
}
