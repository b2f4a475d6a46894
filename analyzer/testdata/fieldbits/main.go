// Command fieldbits keeps its modes as bits of an unexported field set
// through methods, as net/http.Protocols does, and asks for them through
// methods that return bits&mask != 0:
//   - the debug bit has a setter nothing calls: the debug branch
//     (getpgid) cannot run;
//   - the read bit is set by the modes main reads: the read branch
//     (getppid) runs.
package main

import (
	"fmt"
	"os"
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

const (
	modeRead uint8 = 1 << iota
	modeWrite
	modeDebug
)

type modes struct{ bits uint8 }

func (m *modes) set(bit uint8, on bool) {
	if on {
		m.bits |= bit
	} else {
		m.bits &^= bit
	}
}

func (m *modes) setRead(on bool)  { m.set(modeRead, on) }
func (m *modes) setWrite(on bool) { m.set(modeWrite, on) }

// setDebug is the only code that sets the debug bit; nothing calls it.
func (m *modes) setDebug(on bool) { m.set(modeDebug, on) }

func (m modes) read() bool  { return m.bits&modeRead != 0 }
func (m modes) debug() bool { return m.bits&modeDebug != 0 }

type server struct{ cfg *modes }

// modes returns the configured modes, or reading and not writing.
func (s *server) modes() modes {
	if s.cfg != nil {
		return *s.cfg
	}
	var m modes
	m.setRead(true)
	m.setWrite(false)
	return m
}

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	s := &server{}
	m := s.modes()
	if m.debug() {
		id, _ := syscall.Getpgid(0)
		fmt.Fprintln(os.Stderr, "debug", id)
	}
	if m.read() {
		fmt.Fprintln(os.Stderr, "read", syscall.Getppid())
	}
	fmt.Println("ok")
}
