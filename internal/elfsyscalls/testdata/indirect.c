// A C program that makes syscalls through glibc's syscall(2) wrapper:
// with a variable number, which the analysis cannot resolve, and with a
// constant one, which it reads from the call.
#include <sys/syscall.h>
#include <unistd.h>

__attribute__((noinline)) long viaWrapper(long nr) {
	return syscall(nr);
}

// constantNumber calls the wrapper with a constant: the analysis reads
// the number from the call.
__attribute__((noinline)) long constantNumber(void) {
	return syscall(SYS_getpgrp);
}

int main(int argc, char **argv) {
	return (int)viaWrapper(argc > 1 ? SYS_getppid : SYS_getpid) + (int)constantNumber();
}
