package needorigin

import (
	"path"
	"strings"

	"github.com/sandboxgen/sandboxgen/analyzer"
)

// Allow is the origin of a syscall allowed only because -allow named it.
const Allow = "-allow"

// Of returns n's origin in one short line, e.g. "runtime: always",
// "program: webserver.(*server).status (main.go:120)", "cgo: getaddrinfo",
// "exec child". The text depends only on n, so regenerating an unchanged
// program gives the same text.
func Of(n analyzer.Need) string {
	switch {
	case strings.HasPrefix(n.Origin, analyzer.OriginRuntimePrefix):
		trigger := strings.TrimPrefix(n.Origin, analyzer.OriginRuntimePrefix)
		switch trigger {
		case "exec":
			return "exec child"
		case "forkexec":
			return "runtime: fork/exec"
		case "cpuprofile":
			return "runtime: profiling"
		}
		return "runtime: " + trigger
	case strings.HasPrefix(n.Origin, analyzer.OriginCgoPrefix):
		return "cgo: " + strings.TrimPrefix(n.Origin, analyzer.OriginCgoPrefix)
	case n.Origin == analyzer.OriginProgram:
		if f := Frame(n.Path); f != "" {
			return "program: " + f
		}
		return "program"
	}
	return n.Origin
}

// Frame returns the frame of a call path (root first, as in
// analyzer.Need.Path) nearest the syscall site whose function is outside
// the standard library, shortened to "pkg.Func (file.go:line)"; the root
// when every frame is in the standard library; "" for an empty path.
func Frame(callPath []string) string {
	var frames []string
	for _, f := range callPath {
		// A root's reason can stand alone as "[passed to ... at pos]".
		if !(strings.HasPrefix(f, "[") && strings.HasSuffix(f, "]")) {
			frames = append(frames, f)
		}
	}
	for i := len(frames) - 1; i >= 0; i-- {
		fn, pos := split(frames[i])
		if !isStd(fn) {
			return shorten(fn, pos)
		}
	}
	if len(frames) == 0 {
		return ""
	}
	fn, pos := split(frames[0])
	return shorten(fn, pos)
}

// split cuts "function (file:line:col)" into the function and the position;
// it drops a leading "[why it is a root] ".
func split(frame string) (fn, pos string) {
	if strings.HasPrefix(frame, "[") {
		if i := strings.Index(frame, "] "); i >= 0 {
			frame = frame[i+2:]
		}
	}
	fn, pos = frame, ""
	if i := strings.LastIndex(frame, " ("); i >= 0 && strings.HasSuffix(frame, ")") {
		fn, pos = frame[:i], frame[i+2:len(frame)-1]
	}
	return fn, pos
}

// pkgPath returns the package path of a function as SSA prints it:
// "net/http.Get", "(*net.netFD).dial", "(example.com/m/pkg.T).M".
func pkgPath(fn string) string {
	fn = strings.TrimLeft(fn, "(*")
	slash := strings.LastIndex(fn, "/")
	dot := strings.Index(fn[slash+1:], ".")
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}

// isStd reports whether fn belongs to the standard library: its package
// path's first element has no dot (and it is not package main).
func isStd(fn string) bool {
	p := pkgPath(fn)
	if p == "main" {
		return false
	}
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

// shorten keeps the last element of fn's package path and the base name
// and line of pos: "(*example.com/m/web.server).status" at
// "web/main.go:120:23" becomes "(*web.server).status (main.go:120)".
func shorten(fn, pos string) string {
	p := pkgPath(fn)
	if i := strings.LastIndex(p, "/"); i >= 0 {
		fn = strings.Replace(fn, p[:i+1], "", 1)
	}
	if !strings.Contains(pos, ":") {
		return fn // no position, or "-" for a synthetic function
	}
	file, rest, _ := strings.Cut(path.Base(pos), ":")
	line, _, _ := strings.Cut(rest, ":")
	if line != "" {
		file += ":" + line
	}
	return fn + " (" + file + ")"
}
