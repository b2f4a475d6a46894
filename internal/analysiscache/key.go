package analysiscache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/sandboxgen/sandboxgen/analyzer"
)

// keyFormat changes whenever what goes into a key changes, so that entries
// written under other rules are never read.
const keyFormat = "sandboxgen analysis cache key 2"

// listFields are the fields of go list -json the key needs: the package's
// identity, the files go build reads, its cgo flags and its module.
const listFields = "ImportPath,Name,Dir,Standard,Module,Imports,ImportMap," +
	"GoFiles,CgoFiles,CFiles,CXXFiles,MFiles,HFiles,FFiles,SFiles,SwigFiles,SwigCXXFiles,SysoFiles,EmbedFiles," +
	"CgoCFLAGS,CgoCPPFLAGS,CgoCXXFLAGS,CgoFFLAGS,CgoLDFLAGS,CgoPkgConfig,Error,DepsErrors"

// listedPackage is what the key reads of one package of go list's output.
type listedPackage struct {
	Dir    string
	Module *struct {
		GoMod string
	}
	GoFiles, CgoFiles, CFiles, CXXFiles, MFiles, HFiles, FFiles, SFiles []string
	SwigFiles, SwigCXXFiles, SysoFiles                                  []string
	Error                                                               *struct{ Err string }
	DepsErrors                                                          []struct{ Err string }
}

// errUncacheable says the key cannot be worked out: the analysis runs and
// its result is not stored.
var errUncacheable = errors.New("analysiscache: no key")

// keyer writes the inputs of one analysis into a hash, each with its name
// and length so that no two different inputs write the same bytes.
type keyer struct{ h hash.Hash }

func (k *keyer) field(name string, value []byte) {
	fmt.Fprintf(k.h, "%s %d\n", name, len(value))
	k.h.Write(value)
}

func (k *keyer) str(name, value string) { k.field(name, []byte(value)) }

// file writes the content of the file at path; it fails when the file
// cannot be read, so that a key is never made without it.
func (k *keyer) file(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	fmt.Fprintf(k.h, "file %s %d\n", path, fi.Size())
	n, err := io.Copy(k.h, f)
	if err != nil {
		return err
	}
	if n != fi.Size() {
		return fmt.Errorf("%s changed while it was read", path)
	}
	return nil
}

// executable writes the identity of the executable that name resolves to
// on PATH (or of the path name): its path, size and modification time.
// A missing one is written as missing: the key still differs from one
// where it exists.
func (k *keyer) executable(name string) {
	path, err := exec.LookPath(name)
	if err != nil {
		k.str("exec "+name, "missing")
		return
	}
	if abs, err := filepath.EvalSymlinks(path); err == nil {
		path = abs
	}
	fi, err := os.Stat(path)
	if err != nil {
		k.str("exec "+name, "missing")
		return
	}
	k.str("exec "+name, fmt.Sprintf("%s %d %d", path, fi.Size(), fi.ModTime().UnixNano()))
}

// environ is the go command's environment for cfg, as the analyzer builds
// it: the process's, then cfg.Env, then the target.
func environ(cfg analyzer.Config) []string {
	env := append(os.Environ(), cfg.Env...)
	return append(env, "GOOS=linux", "GOARCH="+goarchOf(cfg))
}

func goarchOf(cfg analyzer.Config) string {
	if cfg.GOARCH != "" {
		return cfg.GOARCH
	}
	return runtime.GOARCH
}

// runVariable are the build variables whose value in the environment is
// left out of the key, for what the way sandboxgen is run sets and no build
// reads: go generate's GOFILE, GOLINE and GOPACKAGE, and the GOROOT it
// sets (the GOROOT in use is go env's, in the key); PATH, which go
// generate starts with $GOROOT/bin, goes in as searchPath gives it; and
// SANDBOXGEN_JOBS, which decides how many analyses run at once, not what
// they find.
var runVariable = map[string]bool{"GOFILE": true, "GOLINE": true, "GOPACKAGE": true, "GOROOT": true, "PATH": true, "SANDBOXGEN_JOBS": true}

// searchPath returns the PATH list without its empty, repeated and
// $GOROOT/bin entries: the go command (the only executable there besides
// gofmt) is in the key as the file that PATH finds (see keyer.executable),
// so the same PATH with go generate's $GOROOT/bin in front finds the same
// programs.
func searchPath(path, goroot string) string {
	var out []string
	for _, dir := range filepath.SplitList(path) {
		if dir == "" || slices.Contains(out, dir) || (goroot != "" && filepath.Clean(dir) == filepath.Join(goroot, "bin")) {
			continue
		}
		out = append(out, dir)
	}
	return strings.Join(out, string(filepath.ListSeparator))
}

// buildVariable reports whether the environment variable name can change
// what the go command or the C compiler build: every GO*, CGO_* and
// PKG_CONFIG* variable, the compilers and tools the go command runs, the
// PATH they are found on, and sandboxgen's own SANDBOXGEN_* settings.
func buildVariable(name string) bool {
	for _, prefix := range []string{"GO", "CGO_", "PKG_CONFIG", "SANDBOXGEN_"} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	switch name {
	case "CC", "CXX", "FC", "AR", "PKG_CONFIG", "PATH", "HOME", "XDG_CONFIG_HOME",
		"C_INCLUDE_PATH", "CPATH", "LIBRARY_PATH", "LD_LIBRARY_PATH":
		return true
	}
	return false
}

// key returns the key of the analysis of patterns with cfg by the code
// whose identity is version, leaving out cfg's reference programs (see
// refsDigest).
func key(version string, cfg analyzer.Config, patterns []string) ([32]byte, error) {
	k := &keyer{h: sha256.New()}
	k.str("format", keyFormat)
	k.str("version", version)

	dir := cfg.Dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return [32]byte{}, errUncacheable
		}
		dir = wd
	}
	cfg.Dir = dir
	cfg.GOARCH = goarchOf(cfg)
	// The reference analyses of a cross build are not part of the key, so
	// that the entry can be looked up before they exist (see refsDigest).
	cfg.CgoFrom, cfg.CgoFromLater = nil, nil
	// A file the overlay empties to its package clause (sandboxgen's
	// generated files, see analyzer.Config.Overlay) adds nothing to the
	// program: whether it exists is left out of the key, so that the run
	// after the one that first writes it answers from the cache.
	bare := bareOverlay(cfg.Overlay)
	if len(bare) > 0 {
		cfg.Overlay = maps.Clone(cfg.Overlay)
		for path := range bare {
			delete(cfg.Overlay, path)
		}
		if len(cfg.Overlay) == 0 {
			cfg.Overlay = nil
		}
	}
	// Every exported field of Config, whatever fields it grows.
	b, err := json.Marshal(cfg)
	if err != nil {
		return [32]byte{}, errUncacheable
	}
	k.field("config", b)
	k.field("patterns", []byte(strings.Join(patterns, "\x00")))

	env := environ(cfg)
	last := map[string]string{}
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		last[name] = value
	}
	var names []string
	for name := range last {
		if buildVariable(name) && !runVariable[name] {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		k.str("env "+name, last[name])
	}

	// The import closure of the analysed build and, when that one has cgo
	// off, of a build with cgo, which the analysis also lists to cover
	// one. The lists run beside go env; the second starts at once unless
	// cgo is likely on already, and is run after go env if it is not.
	listArgs := []string{"list", "-deps", "-json=" + listFields}
	if len(cfg.Tags) > 0 {
		listArgs = append(listArgs, "-tags="+strings.Join(cfg.Tags, ","))
	}
	listArgs = append(listArgs, "--")
	listArgs = append(listArgs, patterns...)
	if len(patterns) == 0 {
		listArgs = append(listArgs, ".")
	}
	type listed struct {
		out []byte
		err error
	}
	start := func(extra ...string) chan listed {
		ch := make(chan listed, 1)
		go func() {
			out, err := goCommand(dir, append(slices.Clip(env), extra...), listArgs...)
			ch <- listed{out, err}
		}()
		return ch
	}
	analysed := start()
	var withCgo chan listed
	cgoLikely := last["CGO_ENABLED"] == "1" || (last["CGO_ENABLED"] == "" && cfg.GOARCH == runtime.GOARCH)
	if !cgoLikely {
		withCgo = start("CGO_ENABLED=1")
	}
	defer func() {
		// Wait for the lists still running when the key fails early.
		<-analysed
		if withCgo != nil {
			<-withCgo
		}
	}()

	goEnv, err := goCommand(dir, env, "env", "-json")
	if err != nil {
		return [32]byte{}, errUncacheable
	}
	var vars map[string]string
	if err := json.Unmarshal(goEnv, &vars); err != nil {
		return [32]byte{}, errUncacheable
	}
	// GOGCCFLAGS names a new temporary directory each time; what it is
	// made of (CC, the CGO_ flags) is in the key already.
	delete(vars, "GOGCCFLAGS")
	b, err = json.Marshal(vars) // in the order of the names
	if err != nil {
		return [32]byte{}, errUncacheable
	}
	k.field("go env", b)
	k.str("env PATH", searchPath(last["PATH"], vars["GOROOT"]))
	k.executable("go")
	k.executable(filepath.Join(vars["GOROOT"], "bin", "go"))
	if cc := strings.Fields(vars["CC"]); len(cc) > 0 {
		k.executable(cc[0])
	}
	if w := vars["GOWORK"]; w != "" && w != "off" {
		if err := k.file(w); err != nil {
			return [32]byte{}, errUncacheable
		}
	}
	if vars["CGO_ENABLED"] != "1" && withCgo == nil {
		withCgo = start("CGO_ENABLED=1")
	}

	modFiles := map[string]bool{}
	for i, ch := range []chan listed{analysed, withCgo} {
		if ch == nil {
			continue
		}
		res := <-ch
		ch <- res // for the deferred wait
		if res.err != nil {
			return [32]byte{}, errUncacheable
		}
		dec := json.NewDecoder(bytes.NewReader(res.out))
		for {
			var raw json.RawMessage
			if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return [32]byte{}, errUncacheable
			}
			var p listedPackage
			if err := json.Unmarshal(raw, &p); err != nil {
				return [32]byte{}, errUncacheable
			}
			if p.Error != nil || len(p.DepsErrors) > 0 {
				return [32]byte{}, errUncacheable
			}
			if raw, err = withoutBare(raw, p, bare); err != nil {
				return [32]byte{}, errUncacheable
			}
			k.field(fmt.Sprintf("go list %d", i), raw)
			for _, list := range [][]string{p.GoFiles, p.CgoFiles, p.CFiles, p.CXXFiles, p.MFiles, p.HFiles, p.FFiles, p.SFiles, p.SwigFiles, p.SwigCXXFiles, p.SysoFiles} {
				for _, name := range list {
					path := filepath.Join(p.Dir, name)
					if _, over := cfg.Overlay[path]; over || bare[path] {
						continue // the config's overlay, hashed above, stands for it
					}
					if err := k.file(path); err != nil {
						return [32]byte{}, errUncacheable
					}
				}
			}
			if p.Module != nil && p.Module.GoMod != "" && !modFiles[p.Module.GoMod] {
				modFiles[p.Module.GoMod] = true
				if err := k.file(p.Module.GoMod); err != nil {
					return [32]byte{}, errUncacheable
				}
			}
		}
	}
	var sum [32]byte
	copy(sum[:], k.h.Sum(nil))
	return sum, nil
}

// goCommand runs the go command on PATH in dir with env and returns its
// standard output.
func goCommand(dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = env
	return cmd.Output()
}

// refsDigest returns the digest of the reference analyses of a cross
// build (analyzer.Config.CgoFrom), without their timings: only their
// content decides the analysis. It is "" when there are none.
func refsDigest(refs map[string]*analyzer.Program) (string, error) {
	if len(refs) == 0 {
		return "", nil
	}
	k := &keyer{h: sha256.New()}
	for _, name := range slices.Sorted(maps.Keys(refs)) {
		p := *refs[name]
		p.Timings = analyzer.Timings{}
		b, err := json.Marshal(toWireProgram(&p))
		if err != nil {
			return "", errUncacheable
		}
		k.field("cgofrom "+name, b)
	}
	return hex.EncodeToString(k.h.Sum(nil)), nil
}

// bareOverlay returns the files of overlay whose content is a package
// clause and nothing else.
func bareOverlay(overlay map[string][]byte) map[string]bool {
	var bare map[string]bool
	for path, content := range overlay {
		if f := strings.Fields(string(content)); len(f) == 2 && f[0] == "package" {
			if bare == nil {
				bare = map[string]bool{}
			}
			bare[path] = true
		}
	}
	return bare
}

// withoutBare returns raw, the go list entry of p, without the files of
// bare in its GoFiles, in one form whether it had any or not: every field
// go list gave, the names sorted, compact.
func withoutBare(raw json.RawMessage, p listedPackage, bare map[string]bool) (json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, err
	}
	if files := slices.DeleteFunc(slices.Clone(p.GoFiles), func(name string) bool { return bare[filepath.Join(p.Dir, name)] }); len(files) < len(p.GoFiles) {
		b, err := json.Marshal(files)
		if err != nil {
			return nil, err
		}
		fields["GoFiles"] = b
	}
	return json.Marshal(fields)
}
