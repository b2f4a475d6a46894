// Command cgopthreads is a cgo program whose C code starts pthreads before
// and after selfsandbox.Lock; it prints every thread's seccomp state. The
// selfsandbox tests build and run it. Its program is compiled at start from
// the syscall lists in SELFSANDBOX_TEST_ALLOW (names) and
// SELFSANDBOX_TEST_ERRNO (name=errno pairs), as a generated file would
// hold it precompiled.
package main

/*
#include <pthread.h>
#include <unistd.h>
#include <sys/syscall.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t started = PTHREAD_COND_INITIALIZER;
static long last_tid;

static void *sleeper(void *arg) {
	pthread_mutex_lock(&mu);
	last_tid = syscall(SYS_gettid);
	pthread_cond_signal(&started);
	pthread_mutex_unlock(&mu);
	for (;;) sleep(60);
	return 0;
}

// start_sleeper starts a detached pthread that sleeps forever and returns
// its TID, or -err when pthread_create fails.
static long start_sleeper(void) {
	pthread_t t;
	pthread_mutex_lock(&mu);
	last_tid = 0;
	int err = pthread_create(&t, 0, sleeper, 0);
	if (err != 0) {
		pthread_mutex_unlock(&mu);
		return -err;
	}
	pthread_detach(t);
	while (last_tid == 0) pthread_cond_wait(&started, &mu);
	long tid = last_tid;
	pthread_mutex_unlock(&mu);
	return tid;
}
*/
import "C"

import (
	"fmt"
	"os"
	"strings"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
	"github.com/sandboxgen/sandboxgen/selfsandbox/internal/testpolicy"
)

func main() {
	register()
	before := startPthreads(3)
	if err := selfsandbox.Lock(); err != nil {
		fail("Lock: %v", err)
	}
	after := startPthreads(2)
	fmt.Printf("before %v\nafter %v\n", before, after)
	dir, err := os.ReadDir("/proc/self/task")
	if err != nil {
		fail("%v", err)
	}
	for _, e := range dir {
		data, err := os.ReadFile("/proc/self/task/" + e.Name() + "/status")
		if err != nil {
			continue // the thread exited
		}
		seccomp, nnp := field(string(data), "Seccomp"), field(string(data), "NoNewPrivs")
		fmt.Printf("task %s Seccomp=%s NoNewPrivs=%s\n", e.Name(), seccomp, nnp)
	}
}

func startPthreads(n int) []int {
	var tids []int
	for range n {
		tid := int(C.start_sleeper())
		if tid <= 0 {
			fail("pthread_create: error %d", -tid)
		}
		tids = append(tids, tid)
	}
	return tids
}

func register() {
	// What this program does itself after Lock; clock_nanosleep is
	// sleep(3) in the pthreads.
	if err := testpolicy.Register([]string{"openat", "read", "write", "close", "getdents64", "fstat", "newfstatat", "gettid",
		"exit_group", "clock_nanosleep"}); err != nil {
		fail("%v", err)
	}
}

func field(status, name string) string {
	for line := range strings.SplitSeq(status, "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "cgopthreads: "+format+"\n", args...)
	os.Exit(1)
}
