// Command netio runs a TCP echo server and a UDP echo server on loopback
// and talks to both as a client.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				line, _ := bufio.NewReader(c).ReadString('\n')
				fmt.Fprint(c, line)
			}()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	fmt.Fprintln(c, "tcp ping")
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || reply != "tcp ping\n" {
		panic(fmt.Sprint(reply, err))
	}
	c.Close()
	ln.Close()

	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() {
		buf := make([]byte, 64)
		n, addr, err := pc.ReadFrom(buf)
		if err == nil {
			pc.WriteTo(buf[:n], addr)
		}
	}()
	uc, err := net.Dial("udp", pc.LocalAddr().String())
	if err != nil {
		panic(err)
	}
	uc.Write([]byte("udp ping"))
	buf := make([]byte, 64)
	n, err := uc.Read(buf)
	if err != nil || string(buf[:n]) != "udp ping" {
		panic(fmt.Sprint(string(buf[:n]), err))
	}
	fmt.Println("ok")
}
