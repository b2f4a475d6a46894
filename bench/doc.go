// Package bench compares sandboxgen with other seccomp libraries. It is a
// separate module so that the main module does not depend on them; run its
// benchmarks with `cd bench && go test -bench . -run '^$'`.
package bench
