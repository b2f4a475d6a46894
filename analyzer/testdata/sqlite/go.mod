module github.com/sandboxgen/sandboxgen/analyzer/testdata/sqlite

go 1.26.0

require (
	github.com/mattn/go-sqlite3 v1.14.53
	github.com/sandboxgen/sandboxgen v0.0.0
)

require golang.org/x/sys v0.50.0 // indirect

replace github.com/sandboxgen/sandboxgen => ../../..
