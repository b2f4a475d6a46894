package internal

import (
	_ "github.com/dave/jennifer/jen"
	_ "golang.org/x/sys/unix"
	_ "golang.org/x/tools/go/callgraph/vta"
	_ "golang.org/x/tools/go/callgraph/rta"
	_ "golang.org/x/tools/go/callgraph/cha"
	_ "golang.org/x/tools/go/packages"
	_ "golang.org/x/tools/go/ssa/ssautil"
)
