// Command loadgen is a small closed-loop HTTP load generator for
// bench/throughput.sh: -c connections each send GET requests back to back
// with keep-alive for -d, after a -warmup that is not counted. It prints the
// completed requests per second of the measured part, and the successful
// requests of the whole run, warm-up included (requests_total), which the
// script divides the server's CPU time by. It uses the standard library
// only and talks to loopback addresses only.
package main
