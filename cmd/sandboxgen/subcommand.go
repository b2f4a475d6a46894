package main

import (
	"io"
	"os"
)

// subcommand runs "sandboxgen audit …" and "sandboxgen trace …"; ok is
// false when args name no subcommand and run goes on with generation. A
// package pattern never collides: patterns are paths ("." or "./…") or
// import paths, and no package is named audit or trace by a bare word
// that the user could not write as ./audit.
func subcommand(args []string, stdout, stderr io.Writer) (status int, ok bool) {
	if len(args) == 0 {
		return 0, false
	}
	switch args[0] {
	case "audit":
		return runAudit(args[1:], os.Stdin, stdout, stderr), true
	case "trace":
		return runTrace(args[1:], stdout, stderr), true
	}
	return 0, false
}
