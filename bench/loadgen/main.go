package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	target := flag.String("url", "", "`URL` to request, on a loopback address (e.g. http://127.0.0.1:8080/index.html)")
	conns := flag.Int("c", 16, "concurrent keep-alive `connections`")
	dur := flag.Duration("d", 5*time.Second, "measured `duration`")
	warmup := flag.Duration("warmup", time.Second, "unmeasured warm-up `duration`")
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil || u.Scheme != "http" {
		fail("-url %q: give an http URL, e.g. http://127.0.0.1:8080/", *target)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		fail("-url %q: the host must be a loopback address (127.0.0.1 or ::1)", *target)
	}
	if *conns < 1 || *dur <= 0 {
		fail("-c must be at least 1 and -d positive")
	}

	client := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: *conns,
		MaxConnsPerHost:     *conns,
		DisableCompression:  true,
	}}
	var counting atomic.Bool
	var ok, bad, total atomic.Int64
	var firstErr sync.Once
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get(*target)
				good := err == nil && resp.StatusCode == http.StatusOK
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if !good {
						err = fmt.Errorf("status %s", resp.Status)
					}
				}
				if err != nil {
					firstErr.Do(func() { fmt.Fprintf(os.Stderr, "loadgen: first error: %v\n", err) })
				}
				if good {
					total.Add(1)
				}
				if counting.Load() {
					if good {
						ok.Add(1)
					} else {
						bad.Add(1)
					}
				}
			}
		}()
	}
	time.Sleep(*warmup)
	counting.Store(true)
	start := time.Now()
	time.Sleep(*dur)
	counting.Store(false)
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()
	fmt.Printf("requests_per_second %.1f\nrequests %d\nrequests_total %d\nerrors %d\n",
		float64(ok.Load())/elapsed.Seconds(), ok.Load(), total.Load(), bad.Load())
	if bad.Load() > 0 {
		os.Exit(1)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
	os.Exit(2)
}
