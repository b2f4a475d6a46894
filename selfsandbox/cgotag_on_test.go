//go:build cgo

package selfsandbox

// cgoTagged is the cgo build tag of the test binary, which links
// runtime/cgo through net when the tag is set.
const cgoTagged = true
