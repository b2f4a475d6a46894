// Command sockfamilies locks itself, then talks TCP on loopback and listens
// on a unix socket: its sockets are AF_INET or AF_INET6 and AF_UNIX (and
// AF_NETLINK for the net package's interface lookups), never AF_PACKET.
// Built with the inject tag it also makes raw socket calls as injected
// code would (see inject.go).
package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// inject is set only in builds with the inject tag.
var inject func(what string) string

func main() {
	selfsandbox.MustLock()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Write([]byte("x"))
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	buf := make([]byte, 1)
	if _, err := c.Read(buf); err != nil || buf[0] != 'x' {
		panic(fmt.Sprint(buf, err))
	}
	c.Close()
	dir, err := os.MkdirTemp("", "sockfamilies")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ul, err := net.Listen("unix", filepath.Join(dir, "sock"))
	if err != nil {
		panic(err)
	}
	ul.Close()
	if inject != nil {
		for _, what := range os.Args[1:] {
			fmt.Println(what, inject(what))
		}
	}
	fmt.Println("ok")
}
