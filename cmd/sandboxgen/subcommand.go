package main

import (
	"io"
	"os"
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
	}
	return 0, false
}
