// Command reflectflow separates interface calls that can receive a value
// made by reflection from those that cannot. A prober kept in an
// unexported field holds only what the program stores there, so the
// Probe method of a type that is merely converted to an interface
// elsewhere (unseen) must not be reached. A reporter read back with
// reflect.Value.Interface, and one that reflect.Value.Set wrote into an
// exported field, reach their Report methods only through reflection.
package main

import (
	"fmt"
	"os"
	"reflect"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
	"golang.org/x/sys/unix"
)

type prober interface{ Probe() int }

type reporter interface{ Report() int }

// stored is the prober main stores into box.p and calls.
type stored struct{}

func (stored) Probe() int { return unix.Getppid() }

// unseen is converted to an interface but never stored where Probe is
// called: its syscall must stay out of the allow-list.
type unseen struct{}

func (unseen) Probe() int {
	p, _ := unix.Getpriority(unix.PRIO_PROCESS, 0)
	return p
}

// read is reached only through reflect.Value.Interface of a field.
type read struct{}

func (read) Report() int {
	sid, _ := unix.Getsid(0)
	return sid
}

// written is reached only after reflect.Value.Set stored it in a field.
type written struct{}

func (written) Report() int {
	pg, _ := unix.Getpgid(0)
	return pg
}

type box struct{ p prober }

// Holder has an exported interface field reflection reads and writes.
type Holder struct{ R reporter }

var sink any

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	b := &box{p: stored{}}
	sink = unseen{}
	if b.p.Probe() <= 0 || sink == nil {
		panic("getppid")
	}

	r := reflect.ValueOf(Holder{R: read{}}).Field(0).Interface().(reporter)
	if r.Report() < 0 {
		panic("getsid")
	}

	var h Holder
	reflect.ValueOf(&h).Elem().Field(0).Set(reflect.ValueOf(written{}))
	if h.R.Report() < 0 {
		panic("getpgid")
	}
	fmt.Println("ok")
}
