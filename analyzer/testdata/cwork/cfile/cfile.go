// Package cfile does its file and memory work in C, through cgo: the
// syscalls it makes are only visible in the linked binary.
package cfile

/*
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

// write_file writes path with pwrite, syncs it and gives it to its own
// user and group (as SQLite does with its journal when it runs as root).
__attribute__((noinline)) static int write_file(const char *path) {
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	int bad = pwrite(fd, "data", 4, 0) != 4 || fsync(fd) != 0 || fchown(fd, getuid(), getgid()) != 0;
	close(fd);
	return bad ? -1 : 0;
}

// grow_buffer grows a mapped buffer to 64 MiB and back with realloc
// (glibc's mremap).
__attribute__((noinline)) static int grow_buffer(void) {
	char *p = malloc(1 << 20);
	if (p == NULL)
		return -1;
	memset(p, 1, 1 << 20);
	char *q = realloc(p, 64 << 20);
	if (q == NULL) {
		free(p);
		return -1;
	}
	q[(64 << 20) - 1] = 2;
	p = realloc(q, 1 << 20);
	if (p == NULL) {
		free(q);
		return -1;
	}
	int bad = p[0] != 1;
	free(p);
	return bad ? -1 : 0;
}

// host_name asks for the host name (glibc's uname).
__attribute__((noinline)) static int host_name(void) {
	char name[256];
	return gethostname(name, sizeof name);
}

// remove_file unlinks path.
__attribute__((noinline)) static int remove_file(const char *path) {
	return unlink(path);
}

static int run(const char *path) {
	if (write_file(path) != 0)
		return 1;
	if (grow_buffer() != 0)
		return 2;
	if (host_name() != 0)
		return 3;
	if (remove_file(path) != 0)
		return 4;
	return 0;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Run does the C work on a file at path, which it removes again.
func Run(path string) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	if step := C.run(cpath); step != 0 {
		return fmt.Errorf("C step %d failed", int(step))
	}
	return nil
}
