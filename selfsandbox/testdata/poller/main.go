// Command poller has not used the runtime's network poller when it registers
// its program (as a generated file's init would) and calls selfsandbox.Lock,
// with a filter that denies epoll_create1 and eventfd2
// (what creating the poller takes) with KILL_PROCESS; then it serves and
// dials a loopback connection, which needs the poller. The selfsandbox
// tests build and run it. Its program is compiled at start from the
// runtime's syscalls in SELFSANDBOX_TEST_ALLOW (names) and
// SELFSANDBOX_TEST_ERRNO (name=errno pairs), as a generated file would
// hold it precompiled.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
	"github.com/sandboxgen/sandboxgen/selfsandbox/internal/testpolicy"
)

func main() {
	fmt.Printf("poller before Register: %v\n", hasEventpoll())
	register()
	fmt.Printf("poller before Lock: %v\n", hasEventpoll())
	if err := selfsandbox.Lock(); err != nil {
		fail("Lock: %v", err)
	}
	fmt.Printf("poller after Lock: %v\n", hasEventpoll())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen: %v", err)
	}
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Write([]byte("x"))
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		fail("dial: %v", err)
	}
	b, err := io.ReadAll(c)
	fmt.Printf("read %q %v\n", b, err)
}

// hasEventpoll reports whether the process has an epoll instance open: the
// runtime's network poller, once created. It uses package syscall, not os:
// opening a directory through os would itself create the poller.
func hasEventpoll() bool {
	fd, err := syscall.Open("/proc/self/fd", syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		fail("open /proc/self/fd: %v", err)
	}
	defer syscall.Close(fd)
	buf := make([]byte, 1<<16)
	n, err := syscall.ReadDirent(fd, buf)
	if err != nil {
		fail("getdents /proc/self/fd: %v", err)
	}
	_, _, names := syscall.ParseDirent(buf[:n], -1, nil)
	target := make([]byte, 256)
	for _, name := range names {
		if k, err := syscall.Readlink("/proc/self/fd/"+name, target); err == nil && strings.Contains(string(target[:k]), "eventpoll") {
			return true
		}
	}
	return false
}

func register() {
	// What this program does itself after Lock, without what creating the
	// network poller takes.
	if err := testpolicy.Register([]string{"openat", "read", "write", "close", "getdents64", "fstat", "newfstatat", "readlinkat",
		"socket", "bind", "listen", "accept4", "connect", "getsockname", "getpeername", "setsockopt", "getsockopt",
		"epoll_ctl", "epoll_pwait", "uname", "exit_group"}, "epoll_create1", "eventfd2"); err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "poller: "+format+"\n", args...)
	os.Exit(1)
}
