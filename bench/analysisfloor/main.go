// Command analysisfloor does only what any analysis built on
// golang.org/x/tools must do before it can ask anything of a program: load
// the packages with syntax and types (go/packages, as for GOOS=linux and
// the given GOARCH), build SSA for all of them, and compute VTA's call
// graph over what CHA reaches from main and init. It prints each phase's
// time. Timed beside sandboxgen, it is the floor under sandboxgen's cold
// analysis time and memory.
//
// Usage: analysisfloor [-arch GOARCH] package
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/callgraph/cha"
	"golang.org/x/tools/go/callgraph/vta"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

func main() {
	arch := flag.String("arch", "amd64", "`GOARCH` to load the program for")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: analysisfloor [-arch GOARCH] package")
	}
	start := time.Now()
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedDeps |
			packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedTypesSizes,
		Env: append(os.Environ(), "GOOS=linux", "GOARCH="+*arch),
	}
	pkgs, err := packages.Load(cfg, flag.Arg(0))
	if err != nil || packages.PrintErrors(pkgs) > 0 || len(pkgs) != 1 {
		log.Fatalf("load %s: %v", flag.Arg(0), err)
	}
	loaded := time.Now()
	prog, ssaPkgs := ssautil.AllPackages(pkgs, ssa.InstantiateGenerics)
	prog.Build()
	built := time.Now()
	mainPkg := ssaPkgs[0]
	g := cha.CallGraph(prog)
	reached := map[*ssa.Function]bool{}
	queue := []*ssa.Function{mainPkg.Func("main"), mainPkg.Func("init")}
	for len(queue) > 0 {
		fn := queue[0]
		queue = queue[1:]
		if fn == nil || reached[fn] {
			continue
		}
		reached[fn] = true
		if n := g.Nodes[fn]; n != nil {
			for _, e := range n.Out {
				queue = append(queue, e.Callee.Func)
			}
		}
	}
	v := vta.CallGraph(reached, g)
	done := time.Now()
	edges := 0
	callgraph.GraphVisitEdges(v, func(*callgraph.Edge) error { edges++; return nil })
	fmt.Printf("load %.2fs, ssa %.2fs, cha+vta %.2fs, total %.2fs; %d functions, %d VTA edges\n",
		loaded.Sub(start).Seconds(), built.Sub(loaded).Seconds(), done.Sub(built).Seconds(), done.Sub(start).Seconds(), len(reached), edges)
}
