package linux

const (
	SYS_MPROTECT      = 10
	SYS_MUNMAP        = 11
	SYS_EPOLL_CREATE1 = 291
)
