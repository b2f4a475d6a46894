//go:build !linux

package selfsandbox

import "runtime"

var sys kernel = unsupportedKernel{reason: "seccomp filters need Linux; this is " + runtime.GOOS + "/" + runtime.GOARCH}
