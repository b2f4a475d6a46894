// Package rawinstall is the floor every way of installing a seccomp filter
// is measured against: prctl(PR_SET_NO_NEW_PRIVS) and
// seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC), two raw
// system calls from whatever thread the goroutine is on, with nothing
// checked. selfsandbox's BenchmarkLock and the bench module's
// BenchmarkLoadFilter share it, so that both compare with the same floor.
package rawinstall
