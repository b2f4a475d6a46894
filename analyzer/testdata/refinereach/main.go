// Command refinereach writes through a writer that has a fast path, as
// net.TCPConn.ReadFrom splices through internal/poll's pipe pool:
//   - write tests w.(*fastWriter), but only a *plainWriter is ever stored
//     in w, so fastWriter.fast never runs, and nothing reads fastPool,
//     whose New (getpgid) can then never be called by a sync.Pool.Get;
//   - bufPool is read (its New makes getppid) after Lock.
package main

import (
	"fmt"
	"os"
	"sync"
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

type writer interface{ write(p []byte) int }

type plainWriter struct{ n int }

func (w *plainWriter) write(p []byte) int { w.n += len(p); return len(p) }

type fastWriter struct{ plainWriter }

// fast is the fast path; it takes a buffer from fastPool.
func (w *fastWriter) fast(p []byte) int {
	b := fastPool.Get().(*[]byte)
	defer fastPool.Put(b)
	return copy(*b, p)
}

var fastPool = sync.Pool{New: func() any {
	id, _ := syscall.Getpgid(0)
	b := make([]byte, 64+id%2)
	return &b
}}

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 64+syscall.Getppid()%2)
	return &b
}}

type sink struct{ w writer }

func (s *sink) write(p []byte) int {
	if f, ok := s.w.(*fastWriter); ok {
		return f.fast(p)
	}
	b := bufPool.Get().(*[]byte)
	defer bufPool.Put(b)
	return s.w.write(p[:copy(*b, p)])
}

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	s := &sink{w: &plainWriter{}}
	if s.write([]byte("hello")) != 5 {
		panic("short write")
	}
	fmt.Println("ok")
}
