module github.com/sandboxgen/sandboxgen/bench

go 1.26.0

replace github.com/sandboxgen/sandboxgen => ../

require (
	github.com/elastic/go-seccomp-bpf v1.6.0
	github.com/sandboxgen/sandboxgen v0.0.0-00010101000000-000000000000
	golang.org/x/net v0.61.0
	golang.org/x/tools v0.52.0
)

require (
	github.com/dave/jennifer v1.7.1 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
