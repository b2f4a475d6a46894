// Command prunelisten does its set-up before selfsandbox.Lock (writes and
// reads a config file, changes directory, sets the umask, opens a TCP
// listener on loopback and connects a client to it) and afterwards only
// serves the connection it accepts. listen, connect, chdir and umask are
// reached only before Lock, so the generated filter leaves them out.
package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	dir := os.Getenv("FIXTURE_DIR")
	config := filepath.Join(dir, "config")
	if err := os.WriteFile(config, []byte("greeting=hello\n"), 0o600); err != nil {
		panic(err)
	}
	cfg, err := os.ReadFile(config)
	if err != nil {
		panic(err)
	}
	greeting := string(bytes.TrimPrefix(bytes.TrimSpace(cfg), []byte("greeting=")))
	if err := os.Chdir(dir); err != nil {
		panic(err)
	}
	syscall.Umask(0o077)
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		panic(err)
	}
	client, err := net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
	if err != nil {
		panic(err)
	}

	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}

	// Serve: accept the queued connection, answer one request.
	served := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer conn.Close()
		buf := make([]byte, 64)
		n, err := conn.Read(buf)
		if err != nil {
			served <- err
			return
		}
		_, err = fmt.Fprintf(conn, "%s %s", greeting, buf[:n])
		served <- err
	}()
	if _, err := client.Write([]byte("fixture")); err != nil {
		panic(err)
	}
	if err := client.CloseWrite(); err != nil {
		panic(err)
	}
	reply, err := io.ReadAll(client)
	if err != nil {
		panic(err)
	}
	if err := <-served; err != nil {
		panic(err)
	}
	if string(reply) != "hello fixture" {
		panic(string(reply))
	}
	client.Close()
	ln.Close()
	fmt.Println("ok")
}
