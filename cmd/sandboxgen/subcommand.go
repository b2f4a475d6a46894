package main

import (
	"fmt"
	"io"
	"os"

	"github.com/sandboxgen/sandboxgen/internal/analysiscache"
)

// subcommand runs "sandboxgen audit …", "sandboxgen trace …" and
// "sandboxgen diff …"; ok is
// false when args name no subcommand and run goes on with generation. The
// first argument decides, before any flag is parsed: a package directory
// named audit, trace or diff is written ./audit, ./trace or ./diff, as go build wants
// too.
func subcommand(args []string, stdout, stderr io.Writer) (status int, ok bool) {
	if len(args) == 0 {
		return 0, false
	}
	switch args[0] {
	case "audit":
		return runAudit(args[1:], os.Stdin, stdout, stderr), true
	case "trace":
		return runTrace(args[1:], stdout, stderr), true
	case "diff":
		return runDiff(args[1:], stdout, stderr), true
	case "-clean-cache", "--clean-cache":
		return cleanCache(args[1:], stdout, stderr), true
	}
	return 0, false
}

// cleanCache removes the cache of analysis reports and of C library
// analyses (sandboxgen -clean-cache).
func cleanCache(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "sandboxgen: -clean-cache takes no other argument (got %q); run it alone\n", args)
		return exitBadInput
	}
	dir, err := analysiscache.Clean()
	if err != nil {
		fmt.Fprintf(stderr, "sandboxgen: -clean-cache: %v\n", err)
		return exitBadInput
	}
	fmt.Fprintf(stdout, "sandboxgen: removed %s\n", dir)
	return exitOK
}
