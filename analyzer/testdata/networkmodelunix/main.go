// Command networkmodelunix is networkmodel on a unix socket: it listens
// on a socket file in FIXTURE_DIR before
// selfsandbox.Lock, and after it accepts, echoes one line and closes the
// listener through the net.Listener interface. net.Listen("unix", …)
// returns a *net.UnixListener, whose Close unlinks the socket file: the
// filter must allow unlinkat, and the file must be gone at the end.
package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/sandboxgen/sandboxgen/analyzer/testdata/echoconn"
	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	dir := os.Getenv("FIXTURE_DIR")
	if dir == "" {
		fmt.Fprintln(os.Stderr, "set FIXTURE_DIR to a directory for the socket file")
		os.Exit(2)
	}
	path := filepath.Join(dir, "echo.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		panic(err)
	}
	client, err := net.Dial("unix", path)
	if err != nil {
		panic(err)
	}

	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}

	if err := echoconn.EchoOne(ln, client); err != nil {
		panic(err)
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		panic(fmt.Sprintf("the listener's Close left %s: %v", path, err))
	}
	fmt.Println("ok")
}
