module github.com/sandboxgen/sandboxgen/bench

go 1.26

require github.com/sandboxgen/sandboxgen v0.0.0

require (
	github.com/elastic/go-seccomp-bpf v1.6.0 // indirect
	golang.org/x/net v0.41.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace github.com/sandboxgen/sandboxgen => ../
