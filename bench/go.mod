module github.com/sandboxgen/sandboxgen/bench

go 1.26

replace github.com/sandboxgen/sandboxgen => ../
