// Command reflection reaches syscalls only through reflection: a method
// called with reflect.Value.Call, a String method fmt finds in a nested
// field, a MarshalJSON method encoding/json finds in a nested field, and a
// function made by reflect.MakeFunc.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
	"golang.org/x/sys/unix"
)

// Session has a method called only through reflection.
type Session struct{}

// Probe returns the session id. It may be 0: a process whose session
// leader is outside its PID namespace (a container) sees session 0.
func (Session) Probe() int {
	sid, err := unix.Getsid(0)
	if err != nil {
		panic(err)
	}
	return sid
}

type group struct{}

// String reports the process group.
func (group) String() string {
	pg, err := unix.Getpgid(0)
	if err != nil {
		panic(err)
	}
	return fmt.Sprint("pgid>=0:", pg >= 0)
}

type outer struct {
	Name  string
	Inner struct{ G group }
}

type ticks struct{}

// MarshalJSON reports the process times.
func (ticks) MarshalJSON() ([]byte, error) {
	var t unix.Tms
	if _, err := unix.Times(&t); err != nil {
		return nil, err
	}
	return []byte(`"ticks"`), nil
}

type report struct {
	T ticks
}

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	var s any = Session{}
	name := strings.Join([]string{"Pro", "be"}, "")
	out := reflect.ValueOf(s).MethodByName(name).Call(nil)
	if out[0].Int() < 0 {
		panic("getsid")
	}
	var o outer
	o.Name = "x"
	if got := fmt.Sprintf("%v", o); !strings.Contains(got, "pgid>=0:true") {
		panic(got)
	}
	// A function made by reflect.MakeFunc runs through assembly
	// (makeFuncStub) that calls back into reflect.
	made := reflect.MakeFunc(reflect.TypeOf(func() int { return 0 }), func([]reflect.Value) []reflect.Value {
		var info unix.Sysinfo_t
		if err := unix.Sysinfo(&info); err != nil {
			panic(err)
		}
		return []reflect.Value{reflect.ValueOf(int(info.Procs))}
	}).Interface().(func() int)
	if made() <= 0 {
		panic("sysinfo")
	}
	b, err := json.Marshal(report{})
	if err != nil || string(b) != `{"T":"ticks"}` {
		panic(fmt.Sprint(string(b), err))
	}
	fmt.Println("ok")
}
