// Command webserver is a small net/http server that sandboxes itself: it
// serves static files and a JSON status endpoint, and shuts down gracefully
// on SIGTERM or SIGINT. After it has opened its listener it calls
// selfsandbox.Lock, and from then on every thread runs under the seccomp
// allow-list that sandboxgen generated for this program
// (sandbox_linux_*.go, regenerated with go generate).
//
// Run it from the repository root:
//
//	go generate ./examples/webserver && go run ./examples/webserver -root examples/webserver/static
//
// Built with -tags sandboxdemo it also serves /demo/compromise, a handler
// that behaves as injected code would (see demo.go).
package main
