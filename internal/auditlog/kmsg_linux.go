package auditlog

import (
	"bytes"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// KernelLogPath is the kernel's log device ReadKernelLog reads.
const KernelLogPath = "/dev/kmsg"

// ReadKernelLog returns what the kernel's ring buffer holds now, one record
// a line in /dev/kmsg's format ("prio,seq,usec,flags;message"), which Parse
// reads. It reads /dev/kmsg directly rather than running dmesg: the same
// permission (root, or kernel.dmesg_restrict=0), no dependency on a
// program in PATH, and it stops at the end instead of following.
func ReadKernelLog() ([]byte, error) {
	fd, err := unix.Open(KernelLogPath, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("read the kernel log: %w (reading %s needs root or sysctl kernel.dmesg_restrict=0; or pass a file: dmesg > k.txt; sandboxgen audit k.txt)", err, KernelLogPath)
	}
	defer unix.Close(fd)
	var out bytes.Buffer
	buf := make([]byte, 8192) // one record per read; the kernel caps a record below this
	for {
		n, err := unix.Read(fd, buf)
		switch {
		case errors.Is(err, unix.EAGAIN):
			return out.Bytes(), nil
		case errors.Is(err, unix.EPIPE):
			continue // records were overwritten while we read: go on with the next
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return nil, fmt.Errorf("read %s: %w", KernelLogPath, err)
		}
		rec := buf[:n]
		// Continuation lines (" KEY=value" dictionary entries) follow the
		// message; keep the first line only.
		if i := bytes.IndexByte(rec, '\n'); i >= 0 {
			rec = rec[:i]
		}
		out.Write(rec)
		out.WriteByte('\n')
	}
}
