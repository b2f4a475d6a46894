//go:build !linux

package proctrace

import "errors"

// Run is only available on Linux.
func Run(cmd Command) (*Result, error) {
	return nil, errors.New("tracing needs Linux (ptrace)")
}
