// A C program whose functions each make the syscalls of a few libc
// calls; the test analyses the linked binary.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) int fileWork(const char *path) {
	int fd = open(path, O_CREAT | O_RDWR, 0600);
	if (fd < 0)
		return 1;
	if (pwrite(fd, "data", 4, 0) != 4 || fsync(fd) != 0 || fchown(fd, getuid(), getgid()) != 0)
		return 1;
	close(fd);
	return unlink(path);
}

__attribute__((noinline)) int growBuffer(void) {
	char *p = malloc(16);
	p = realloc(p, 64 << 20);
	p = realloc(p, 16);
	free(p);
	return p == 0;
}

__attribute__((noinline)) int hostName(void) {
	char name[256];
	return gethostname(name, sizeof name);
}

// rawGetppid makes getppid (110) with its own syscall instruction: C code
// linked into the program, not a library's.
__attribute__((noinline)) long rawGetppid(void) {
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(110L) : "rcx", "r11", "memory");
	return ret;
}

// seekFile seeks with stdio, which reaches lseek only through the file's
// vtable of function pointers.
__attribute__((noinline)) int seekFile(const char *path) {
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 1;
	int bad = fseek(f, 2, SEEK_SET);
	fclose(f);
	return bad;
}

int main(int argc, char **argv) {
	if (argc > 1)
		return fileWork(argv[1]) + seekFile(argv[1]) + growBuffer() + hostName() + (int)rawGetppid();
	return 0;
}
