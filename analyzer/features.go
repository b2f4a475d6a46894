package analyzer

import (
	"golang.org/x/tools/go/packages"
)

// features works out which capabilities of interest the program reaches.
func (p *program) features(pkg *packages.Package, r *reach) Features {
	var f Features
	packages.Visit([]*packages.Package{pkg}, nil, func(q *packages.Package) {
		if q.PkgPath == "runtime/cgo" {
			f.Cgo = true
		}
	})
	reached := func(pkg, name string) bool { return p.reachedFunc(r, pkg, name) }
	runtimeCalled := map[string]bool{}
	for _, e := range r.runtimeCalls {
		runtimeCalled[e.callee.Name()] = true
	}
	f.OsExec = reached("syscall", "forkExec") || reached("syscall", "Exec")
	f.Pprof = reached("runtime/pprof", "StartCPUProfile") || runtimeCalled["SetCPUProfileRate"]
	f.Plugin = reached("plugin", "Open")
	f.Signal = reached("os/signal", "Notify") || reached("os/signal", "NotifyContext")
	f.Reflect = p.reflectCalls(r)
	return f
}

// cgoFeatureWarning is featureWarnings' warning for a program that links
// runtime/cgo. The C analysis replaces it with what it found
// (replaceCgoWarning), and with stdCgoWarning when only the standard
// library has C code (stdOnlyCgo).
const cgoFeatureWarning = "cgo: the program links C code (runtime/cgo); the analysis cannot see syscalls made by C code, so the runtime's cgo group (libc, pthread) is added; C libraries that make other syscalls need them allowed by hand"

// featureWarnings names the soundness limits that follow from features.
func featureWarnings(f Features) []string {
	var w []string
	if f.Cgo {
		w = append(w, cgoFeatureWarning)
	}
	if f.Plugin {
		w = append(w, "plugin: the program can load plugins; their code is not analysed, so their syscalls are missing from the allow-list")
	}
	if f.Reflect {
		w = append(w, "reflection: the program calls functions through reflect.Value.Call; the methods of every type reflection can reach are treated as called")
	}
	return w
}
