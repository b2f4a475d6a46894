// A C program that makes a syscall through glibc's syscall(2) wrapper,
// whose number is in a register: the analysis cannot resolve it.
#include <sys/syscall.h>
#include <unistd.h>

__attribute__((noinline)) long viaWrapper(long nr) {
	return syscall(nr);
}

int main(int argc, char **argv) {
	return (int)viaWrapper(argc > 1 ? SYS_getppid : SYS_getpid);
}
