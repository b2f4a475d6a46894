package selfsandbox_test

import (
	"errors"
	"fmt"
	"log"
	"net"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// A server opens its listener, locks itself, and then gives up the system
// calls it only needed to set up. Lock is one-way, so this example is
// compiled but not run by go test.
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()

	switch err := selfsandbox.Lock(); {
	case errors.Is(err, errors.ErrUnsupported):
		log.Printf("running without a sandbox: %v", err)
	case err != nil:
		log.Fatal(err)
	default:
		if err := selfsandbox.Drop("socket", "bind", "listen"); err != nil {
			log.Fatal(err)
		}
	}
	// ... serve on ln
}

// A program can choose its mode in code and refuse to let the environment
// change it.
func ExampleLockWith() {
	err := selfsandbox.LockWith(selfsandbox.Options{
		Mode:      selfsandbox.ModeEnforce,
		IgnoreEnv: true,
	})
	var verr *selfsandbox.GoVersionError
	if errors.As(err, &verr) {
		log.Fatalf("regenerate the sandbox with %s: %v", verr.Running, err)
	}
	var berr *selfsandbox.BuildMismatchError
	if errors.As(err, &berr) {
		// e.g. a -race build: the message says how to build or regenerate.
		log.Fatalf("this build (%s) is not covered by the sandbox: %v", berr.Setting, err)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// Mode names are what SELFSANDBOX_MODE accepts; each maps to the kernel
// action denied calls get. This example runs: it installs nothing.
func ExampleParseMode() {
	for _, name := range []string{"enforce", "trap", "errno", "log", "off"} {
		m, err := selfsandbox.ParseMode(name)
		if err != nil {
			fmt.Println(err)
			continue
		}
		action, _ := m.Action()
		fmt.Printf("%-7s SECCOMP_RET %#08x\n", m, action)
	}
	// Output:
	// enforce SECCOMP_RET 0x80000000
	// trap    SECCOMP_RET 0x00030000
	// errno   SECCOMP_RET 0x00050001
	// log     SECCOMP_RET 0x7ffc0000
	// selfsandbox: unknown mode "off"; use one of enforce, trap, errno, log
}
