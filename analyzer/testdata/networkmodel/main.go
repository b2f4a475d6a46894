// Command networkmodel listens on TCP and connects to itself before
// selfsandbox.Lock, then accepts, echoes one line and closes the listener
// and both connections through the net.Listener and net.Conn interfaces.
// net.Listen("tcp", …) returns only a *net.TCPListener, so the listener's
// Close cannot be a UnixListener's, which unlinks its socket file: the
// filter leaves unlinkat out (networkmodelunix is the same program on a
// unix socket, which needs it).
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"

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

	if err := echoOne(ln, client); err != nil {
		panic(err)
	}
	fmt.Println("ok")
}

// echoOne accepts one connection on ln, sends a line from client, echoes
// it back, and closes everything.
func echoOne(ln net.Listener, client net.Conn) error {
	defer stop(ln)
	if _, err := fmt.Fprintln(client, "ping"); err != nil {
		return err
	}
	server, err := ln.Accept()
	if err != nil {
		return err
	}
	defer server.Close()
	line, err := bufio.NewReader(server).ReadString('\n')
	if err != nil {
		return err
	}
	if _, err := server.Write([]byte(line)); err != nil {
		return err
	}
	back, err := bufio.NewReader(client).ReadString('\n')
	if err != nil || back != line {
		return fmt.Errorf("echo: %q, %v", back, err)
	}
	return client.Close()
}

// stop closes a listener.
func stop(l net.Listener) error { return l.Close() }
