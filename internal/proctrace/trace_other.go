//go:build !linux

package proctrace

import (
	"errors"
	"strconv"
)

// Run is only available on Linux.
func Run(cmd Command) (*Result, error) {
	return nil, errors.New("tracing needs Linux (ptrace)")
}

// SignalName names a signal by its number.
func SignalName(sig int) string { return "signal " + strconv.Itoa(sig) }
