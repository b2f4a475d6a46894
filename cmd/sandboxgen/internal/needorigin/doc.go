// Package needorigin says in a few words where a syscall of an allow-list
// comes from, for the comments of generated files, the entries of container
// profiles and the tables of sandboxgen diff: the Go runtime with its
// trigger, the program with the call-path frame nearest the syscall that is
// outside the standard library, a libc function reached through cgo, or a
// command-line -allow.
package needorigin
