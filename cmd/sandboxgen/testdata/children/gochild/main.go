// Command gochild is a Go program that a locked program starts: it reads
// a file, listens on TCP on the loopback, connects to itself and echoes a
// line, all under the filter it inherits. It takes the arguments of a
// shell ("-c PATH") so that testdata/children/shellout can start it in place of
// /bin/sh.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
)

func main() {
	if len(os.Args) != 3 || os.Args[1] != "-c" {
		fmt.Fprintln(os.Stderr, "usage: gochild -c FILE")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[2])
	if err != nil {
		fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		line, _ := bufio.NewReader(c).ReadString('\n')
		fmt.Fprint(c, "echo "+line)
		c.Close()
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		fail(err)
	}
	fmt.Fprintln(c, "hello")
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		fail(err)
	}
	fmt.Printf("read %d bytes; %s", len(data), reply)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gochild:", err)
	os.Exit(1)
}
