package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// target is one server under load and what it answered.
type target struct {
	url      string
	host     string // host:port to dial
	request  []byte // the GET request, sent as is on every round trip
	total    atomic.Int64
	bad      atomic.Int64
	firstErr sync.Once
}

// schedule says which target is loaded now: the load generator gives each
// target a slice of time in turn.
type schedule struct {
	mu      sync.Mutex
	turn    *sync.Cond
	slice   int     // the current slice; -1 during warm-up
	active  int     // the target whose slice it is
	stopped bool    // the run is over
	counts  []int64 // requests completed in each measured slice, by its target
}

func main() {
	var targets []*target
	flag.Func("url", "`URL` to request, on a loopback address (e.g. http://127.0.0.1:8080/); repeat it to load several servers in turn", func(s string) error {
		t, err := newTarget(s)
		if err != nil {
			return err
		}
		targets = append(targets, t)
		return nil
	})
	conns := flag.Int("c", 16, "concurrent keep-alive `connections` per URL")
	dur := flag.Duration("d", 20*time.Second, "measured `duration`")
	warmup := flag.Duration("warmup", time.Second, "unmeasured warm-up `duration`")
	sliceLen := flag.Duration("slice", 100*time.Millisecond, "how long each URL is loaded before the next one's `turn`")
	flag.Parse()
	if len(targets) == 0 {
		fail("give at least one -url")
	}
	if *conns < 1 || *dur <= 0 || *sliceLen <= 0 {
		fail("-c must be at least 1, -d and -slice positive")
	}

	cpuStart := cpuTime()
	s := &schedule{slice: -1}
	s.turn = sync.NewCond(&s.mu)
	var wg sync.WaitGroup
	for i, t := range targets {
		for range *conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t.run(s, i)
			}()
		}
	}
	// Warm-up: every target in turn, not counted.
	start := time.Now()
	for k := 0; time.Since(start) < *warmup || k < len(targets); k++ {
		s.set(-1, k%len(targets))
		time.Sleep(*sliceLen)
	}
	measured := time.Now()
	slices := int(*dur / *sliceLen)
	slices -= slices % len(targets) // whole cycles only
	s.mu.Lock()
	s.counts = make([]int64, slices)
	s.mu.Unlock()
	for k := range slices {
		s.set(k, k%len(targets))
		time.Sleep(*sliceLen)
	}
	elapsed := time.Since(measured)
	s.mu.Lock()
	s.stopped = true
	s.turn.Broadcast()
	s.mu.Unlock()
	// The CPU the generator used over the whole run, as a share of one
	// CPU: near 1 means the generator, not the servers, set the pace.
	busy := (cpuTime() - cpuStart).Seconds() / time.Since(start).Seconds()
	wg.Wait()

	fmt.Printf("loadgen_cpu %.2f\n", busy)
	// One line per cycle: the requests each target completed in its own
	// slice of that cycle.
	perTarget := make([]int64, len(targets))
	for c := 0; c < slices/len(targets); c++ {
		fmt.Print("cycle")
		for i := range targets {
			n := s.counts[c*len(targets)+i]
			perTarget[i] += n
			fmt.Printf(" %d", n)
		}
		fmt.Println()
	}
	failed := false
	for i, t := range targets {
		own := elapsed.Seconds() / float64(len(targets))
		fmt.Printf("requests_per_second %d %.1f\nrequests_total %d %d\nerrors %d %d\n",
			i, float64(perTarget[i])/own, i, t.total.Load(), i, t.bad.Load())
		if t.bad.Load() > 0 {
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// newTarget checks rawURL (an http URL on a loopback address) and prepares
// its request.
func newTarget(rawURL string) (*target, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" {
		return nil, fmt.Errorf("%q: give an http URL, e.g. http://127.0.0.1:8080/", rawURL)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("%q: the host must be a loopback address (127.0.0.1 or ::1)", rawURL)
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: loadgen\r\n\r\n", u.RequestURI(), u.Host)
	return &target{url: rawURL, host: net.JoinHostPort(u.Hostname(), port), request: []byte(req)}, nil
}

// set starts slice k, target active's turn.
func (s *schedule) set(k, active int) {
	s.mu.Lock()
	s.slice, s.active = k, active
	s.turn.Broadcast()
	s.mu.Unlock()
}

// wait blocks until it is target i's turn and reports false when the run
// is over.
func (s *schedule) wait(i int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.active != i && !s.stopped {
		s.turn.Wait()
	}
	return !s.stopped
}

// done counts a request of target i completed now, if it is still i's
// slice and that slice is measured.
func (s *schedule) done(i int) {
	s.mu.Lock()
	if s.active == i && s.slice >= 0 && !s.stopped {
		s.counts[s.slice]++
	}
	s.mu.Unlock()
}

// run sends GET requests to t back to back on one keep-alive connection
// (a new one after an error) during t's turns until the run is over. It
// speaks just enough HTTP/1.1 for a server that answers with a
// Content-Length, and costs a fraction of what net/http's client would:
// the servers, not the generator, must set the pace.
func (t *target) run(s *schedule, i int) {
	var conn net.Conn
	var r *bufio.Reader
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for s.wait(i) {
		var err error
		if conn == nil {
			if conn, err = net.Dial("tcp", t.host); err == nil {
				r = bufio.NewReaderSize(conn, 64<<10)
			} else {
				conn = nil
			}
		}
		if err == nil {
			if err = t.roundTrip(conn, r); err != nil {
				conn.Close()
				conn = nil
			}
		}
		if err != nil {
			t.bad.Add(1)
			t.firstErr.Do(func() { fmt.Fprintf(os.Stderr, "loadgen: %s: first error: %v\n", t.url, err) })
			continue
		}
		t.total.Add(1)
		s.done(i)
	}
}

// roundTrip sends one request on conn and reads its response from r.
func (t *target) roundTrip(conn net.Conn, r *bufio.Reader) error {
	if _, err := conn.Write(t.request); err != nil {
		return err
	}
	status, err := r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("status line %q, want 200", bytes.TrimSpace(status))
	}
	length := -1
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && strings.EqualFold(string(name), "Content-Length") {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil {
				return fmt.Errorf("bad Content-Length %q", value)
			}
		}
	}
	if length < 0 {
		return errors.New("response without Content-Length")
	}
	_, err = r.Discard(length)
	return err
}

// cpuTime is the user and system time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fail("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
	os.Exit(2)
}
