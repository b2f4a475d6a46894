//go:build race

package selfsandbox

// raceBuild reports whether the binary was built with -race.
const raceBuild = true
