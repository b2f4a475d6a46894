// Package echoconn is the serving half of the networkmodel fixtures: it
// accepts one connection, echoes a line a client sends, and closes the
// listener and both connections through the net.Listener and net.Conn
// interfaces.
package echoconn

import (
	"bufio"
	"fmt"
	"net"
)

// EchoOne accepts one connection on ln, sends a line from client, echoes
// it back, and closes everything.
func EchoOne(ln net.Listener, client net.Conn) error {
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
