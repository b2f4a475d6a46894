// Command networkmodel listens on TCP and connects to itself before
// selfsandbox.Lock, then accepts, echoes one line and closes the listener
// and both connections through the net.Listener and net.Conn interfaces.
// net.Listen("tcp", …) returns only a *net.TCPListener, so the listener's
// Close cannot be a UnixListener's, which unlinks its socket file: the
// filter leaves unlinkat out (networkmodelunix is the same program on a
// unix socket, which needs it).
package main

import (
	"fmt"
	"net"
	"os"

	"github.com/sandboxgen/sandboxgen/analyzer/testdata/echoconn"
	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	client, err := net.Dial("tcp", ln.Addr().String())
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
	fmt.Println("ok")
}
