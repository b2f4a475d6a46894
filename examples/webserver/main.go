package main

//go:generate go tool sandboxgen -deny connect -readonly-fs .

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

// registerDemo, when set by demo.go (build tag sandboxdemo), adds the
// demonstration endpoints to the server's mux.
var registerDemo func(mux *http.ServeMux)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "`address` to listen on (port 0 picks a free port)")
	root := flag.String("root", "static", "`directory` of static files to serve")
	noLock := flag.Bool("nolock", false, "do not install the seccomp filter (for comparisons only)")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	if fi, err := os.Stat(*root); err != nil || !fi.IsDir() {
		log.Fatalf("-root %s: not a directory; run from examples/webserver or pass -root examples/webserver/static", *root)
	}

	// Everything that needs more than the server's steady state happens
	// before Lock: binding the listener and installing signal handlers.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	stop, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()

	srv := newServer(*root)
	if *noLock {
		log.Print("sandbox: not locked (-nolock)")
	} else {
		if err := selfsandbox.Lock(); err != nil {
			log.Fatalf("sandbox: %v", err)
		}
		log.Print("sandbox: locked")
	}
	// The test and the benchmark script read the address from this line.
	fmt.Printf("listening on http://%s\n", ln.Addr())

	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()

	select {
	case err := <-done:
		log.Fatal(err)
	case <-stop.Done():
	}
	log.Print("shutting down")
	ctx, cancelShutdown := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelShutdown()
	if err := hs.Shutdown(ctx); err != nil {
		log.Fatalf("shutdown: %v", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	log.Printf("served %d requests; bye", srv.requests.Load())
}

// server is the application: static files under root and a JSON endpoint.
type server struct {
	mux      *http.ServeMux
	started  time.Time
	requests atomic.Int64
}

func newServer(root string) *server {
	s := &server{mux: http.NewServeMux(), started: time.Now()}
	s.mux.Handle("GET /", http.FileServer(http.Dir(root)))
	s.mux.HandleFunc("GET /api/status", s.status)
	if registerDemo != nil {
		registerDemo(s.mux)
	}
	return s
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mux.ServeHTTP(w, r)
}

// statusReply is the body of GET /api/status.
type statusReply struct {
	PID       int     `json:"pid"`
	Go        string  `json:"go"`
	Uptime    float64 `json:"uptime_seconds"`
	Requests  int64   `json:"requests"`
	Seccomp   string  `json:"seccomp"`
	Goroutine int     `json:"goroutines"`
	// Allowed is how many syscalls the installed filter allows; Fallback
	// says why Lock installed the wider fallback filter, if it did.
	Allowed  int    `json:"allowed_syscalls"`
	Fallback string `json:"fallback,omitempty"`
}

func (s *server) status(w http.ResponseWriter, r *http.Request) {
	reply := statusReply{
		PID:       os.Getpid(),
		Go:        runtime.Version(),
		Uptime:    time.Since(s.started).Seconds(),
		Requests:  s.requests.Load(),
		Seccomp:   seccompMode(),
		Goroutine: runtime.NumGoroutine(),
		Allowed:   selfsandbox.Current().Allowed,
		Fallback:  selfsandbox.Current().Fallback,
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(reply); err != nil {
		log.Printf("status: %v", err)
	}
}

// seccompMode reads this thread's seccomp mode from /proc (a read-only open,
// which the sandbox allows): "0" none, "1" strict, "2" filter.
func seccompMode() string {
	b, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		return "unknown: " + err.Error()
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Seccomp:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
