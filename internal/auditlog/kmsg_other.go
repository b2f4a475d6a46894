//go:build !linux

package auditlog

import "errors"

// KernelLogPath is the kernel's log device ReadKernelLog reads.
const KernelLogPath = "/dev/kmsg"

// ReadKernelLog is only available on Linux.
func ReadKernelLog() ([]byte, error) {
	return nil, errors.New("reading the kernel log needs Linux; pass a file saved there instead")
}
