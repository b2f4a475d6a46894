module github.com/sandboxgen/sandboxgen

go 1.26

require (
	github.com/dave/jennifer v1.7.1 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/tools v0.52.0 // indirect
)
