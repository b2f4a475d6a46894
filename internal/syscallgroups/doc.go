// Package syscallgroups names sets of syscalls by intent, so that a user
// can say "-deny @mount" instead of listing mount, umount2, pivot_root and
// the new mount API one by one. The names follow systemd's @group
// convention (SystemCallFilter=); the sets are sandboxgen's own, written
// down in docs/modes.md, and a name is listed in a group when it exists on
// at least one supported architecture. Expand turns a list that mixes
// groups and single names into syscall names.
package syscallgroups
