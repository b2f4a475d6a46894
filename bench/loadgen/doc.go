// Command loadgen is a small closed-loop HTTP load generator for
// bench/throughput.sh: -c connections each send GET requests for -url back
// to back with keep-alive for -d, after a -warmup that is not counted. It
// prints the completed requests per second of the measured part, the
// successful requests of the whole run, warm-up included (requests_total),
// which the script divides the server's CPU time by, and its own CPU use
// as a share of one CPU (loadgen_cpu): near 1 means the generator, not the
// server, set the pace.
//
// It speaks just enough HTTP/1.1 for one static file (a 200 with a
// Content-Length) on raw connections, which costs a fraction of net/http's
// client, uses the standard library only, and talks to loopback addresses
// only.
package main
