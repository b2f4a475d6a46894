// Command globalfield keeps functions in fields of package variables: the
// New of two package-level sync.Pools and the probe of two handler tables.
// Only one pool and one table are ever read, so a call through the field
// (Pool.Get calling New, main calling the table's probe) can only reach
// the function stored in that one: getpgid and getsid, behind the pool and
// the table nothing reads, are not needed; getppid and getpriority are.
package main

import (
	"fmt"
	"os"
	"sync"
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

type table struct {
	name  string
	probe func() int
}

var (
	usedPool   = sync.Pool{New: func() any { p := syscall.Getppid(); return &p }}
	unusedPool = sync.Pool{New: func() any { g, _ := syscall.Getpgid(0); return &g }}
	usedTable  = table{name: "priority", probe: probePriority}
	idleTable  = table{name: "session", probe: probeSession}
)

func probePriority() int {
	p, _ := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	return p
}

func probeSession() int {
	s, _, _ := syscall.RawSyscall(syscall.SYS_GETSID, 0, 0, 0)
	return int(s)
}

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	if *usedPool.Get().(*int) <= 0 {
		panic("getppid")
	}
	t := &usedTable
	if t.probe() < 0 {
		panic(t.name)
	}
	fmt.Println("ok")
}
