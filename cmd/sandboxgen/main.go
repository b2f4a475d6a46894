package main

import (
	"os"

	"github.com/sandboxgen/sandboxgen/internal/analysiscache"
)

func main() {
	// Reports are cached on disk (see internal/analysiscache); the tests
	// call run with their own analyse and no cache.
	analyse = analysiscache.Default().Wrap(analyse)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
