package selfsandbox

import (
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"testing"
)

// TestBuildsOffLinux type-checks the package as GOOS=windows, darwin and
// freebsd would compile it (their file sets, with the standard library
// type-checked from source for that GOOS), so that a portable program can
// import selfsandbox and get errors.ErrUnsupported from Lock instead of a
// build failure. Compiling for real would first build the standard library
// for each GOOS, which takes close to a minute per GOOS in a clean cache.
func TestBuildsOffLinux(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the standard library from source")
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	orig := build.Default
	defer func() { build.Default = orig }()
	for _, goos := range []string{"windows", "darwin", "freebsd"} {
		ctx := orig
		ctx.GOOS, ctx.GOARCH, ctx.CgoEnabled = goos, "amd64", false
		pkg, err := ctx.ImportDir(dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", goos, err)
		}
		if slices.Contains(pkg.GoFiles, "kernel_linux.go") || !slices.Contains(pkg.GoFiles, "kernel_other.go") {
			t.Fatalf("%s compiles %v: want kernel_other.go instead of kernel_linux.go", goos, pkg.GoFiles)
		}
		fset := token.NewFileSet()
		var files []*ast.File
		for _, name := range pkg.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		// The source importer reads build.Default when it is created.
		build.Default = ctx
		conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
		if _, err := conf.Check("github.com/sandboxgen/sandboxgen/selfsandbox", fset, files, nil); err != nil {
			t.Errorf("GOOS=%s: %v", goos, err)
		}
	}
}
