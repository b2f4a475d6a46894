// Package analysiscache keeps the reports of the analyzer on disk, so that
// a run of sandboxgen whose inputs have not changed (go generate in a loop,
// -check in CI, -why and -json queries) answers without analysing again.
//
// An entry is keyed on everything that decides the report:
//
//   - sandboxgen's own identity (the Go build ID of its executable, or the
//     hash of the file when it has none);
//   - the analyzer.Config (architecture, directory, tags, extra environment,
//     call graph, the switches) and the patterns;
//   - the build configuration the go command reports with go env (GOVERSION,
//     GOROOT, GOFLAGS, CGO_ENABLED, CC and the CGO_ flags, GOAMD64 and the
//     other variables, GOMOD, GOWORK), the environment variables the go
//     command and the C compiler read (but not those go generate adds for
//     the command it runs, nor SANDBOXGEN_JOBS), and the size and
//     modification time of the go and C compiler executables;
//   - the import closure as go list -deps lists it for the target, and the
//     content of every file go build reads in it (Go, cgo, assembly, C, C++,
//     headers, syso), of the go.mod files of its modules and of go.work;
//     a file the config's overlay reduces to its package clause
//     (sandboxgen's generated files) counts as absent, whether it exists or
//     not.
//
// A hit is served only if, in addition, every C library the report's C
// analysis read (analyzer.Program.CLibraries) still has the identity it had,
// and, for a cross build, the reference programs (Config.CgoFrom or
// Config.CgoFromLater) have the content of those the entry was analysed
// with. They are left out of the key so that a cross build's entry is found,
// or found missing, before the host's analysis they come from has ended: a
// cold cross analysis then runs beside the host's.
// Whenever the key cannot be worked out (go list fails, a file cannot be
// read), the analysis runs and nothing is stored: a stale answer is never
// served. Failed analyses are not stored, nor is a report whose key
// changed while the analysis ran (a file saved meanwhile). A report served
// from the cache is the stored one, Timings included: they are those of the
// run that analysed it.
//
// The cache lives in os.UserCacheDir()/sandboxgen/analysis ($XDG_CACHE_HOME
// or ~/.cache on Linux). SANDBOXGEN_CACHE=off turns it off; Clean removes
// it (sandboxgen -clean-cache).
package analysiscache
