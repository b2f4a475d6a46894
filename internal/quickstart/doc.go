// Package quickstart checks docs/quickstart.md the way a new user follows
// it: in a scratch module outside the repository it runs the page's module
// set-up (Go's tool directive, pointed at this checkout with a replace),
// runs go generate through `go tool sandboxgen`, builds the program and runs
// it locked. The package has no code of its own; the test is the point.
package quickstart
