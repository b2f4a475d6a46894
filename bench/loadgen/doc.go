// Command loadgen is a small closed-loop HTTP load generator for
// bench/throughput.sh: -c connections each send GET requests back to back
// with keep-alive for -d, after a -warmup that is not counted, and it prints
// the completed requests per second. It uses the standard library only and
// talks to loopback addresses only.
package main
