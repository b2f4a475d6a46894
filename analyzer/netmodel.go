package analyzer

import (
	"go/constant"
	"go/types"

	"golang.org/x/tools/go/ssa"
)

// The network string chooses the type. net.Listen("tcp", addr) returns a
// *net.TCPListener or an error; the call graph cannot tell, because
// ListenConfig.Listen switches on the type of the address its resolver
// returns, and the resolver makes a *UnixAddr in another arm of a switch
// on the network string. So every listener the program closes could be
// a *UnixListener, whose Close unlinks its socket file, and every
// connection a *UnixConn. networkResult answers the first result of such
// a call from the network argument when it can only be constants that
// name one family; TestNetworkModel checks each answer against what the
// toolchain's net package returns at run time.

// networkFunc is a function of package net whose first result's dynamic
// type the network argument decides.
type networkFunc struct {
	recv, name string // receiver type name ("" for a function) and name
	arg        int    // position of the network among the call's arguments (receiver first)
	// byNetwork maps each network the model knows to the type name (in
	// package net, a pointer to it) of the result.
	byNetwork map[string]string
}

var (
	listenerTypes = map[string]string{
		"tcp": "TCPListener", "tcp4": "TCPListener", "tcp6": "TCPListener",
		"unix": "UnixListener", "unixpacket": "UnixListener",
	}
	connTypes = map[string]string{
		"tcp": "TCPConn", "tcp4": "TCPConn", "tcp6": "TCPConn",
		"udp": "UDPConn", "udp4": "UDPConn", "udp6": "UDPConn",
		"unix": "UnixConn", "unixgram": "UnixConn", "unixpacket": "UnixConn",
	}
	packetConnTypes = map[string]string{
		"udp": "UDPConn", "udp4": "UDPConn", "udp6": "UDPConn",
		"unixgram": "UnixConn",
	}
)

// networkFuncs are the functions networkResult models.
var networkFuncs = []networkFunc{
	{"", "Listen", 0, listenerTypes},
	{"ListenConfig", "Listen", 2, listenerTypes},
	{"", "ListenPacket", 0, packetConnTypes},
	{"ListenConfig", "ListenPacket", 2, packetConnTypes},
	{"", "Dial", 0, connTypes},
	{"", "DialTimeout", 0, connTypes},
	{"Dialer", "Dial", 1, connTypes},
	{"Dialer", "DialContext", 2, connTypes},
}

// networkResult returns the dynamic types the first result of call can
// hold when call is to one of networkFuncs and its network argument can
// only be constants the model knows.
func (p *program) networkResult(call *ssa.Call) ([]types.Type, bool) {
	callee := call.Call.StaticCallee()
	if callee == nil || callee.Pkg == nil || callee.Pkg.Pkg.Path() != "net" || callee.Blocks == nil {
		return nil, false
	}
	recv := ""
	if r := callee.Signature.Recv(); r != nil {
		named, ok := types.Unalias(derefType(r.Type())).(*types.Named)
		if !ok {
			return nil, false
		}
		recv = named.Obj().Name()
	}
	var model *networkFunc
	for i := range networkFuncs {
		if f := &networkFuncs[i]; f.recv == recv && f.name == callee.Name() {
			model = f
		}
	}
	if model == nil || model.arg >= len(call.Call.Args) {
		return nil, false
	}
	names := map[string]bool{}
	known := true
	p.values().trace(call.Call.Args[model.arg], flowRules{}, func(s source) bool {
		c, isConst := s.v.(*ssa.Const)
		if !isConst || c.Value == nil || c.Value.Kind() != constant.String {
			known = false
			return false
		}
		name, ok := model.byNetwork[constant.StringVal(c.Value)]
		if !ok {
			known = false
			return false
		}
		names[name] = true
		return true
	})
	if !known || len(names) == 0 {
		return nil, false
	}
	var ts []types.Type
	for name := range names {
		obj, ok := callee.Pkg.Pkg.Scope().Lookup(name).(*types.TypeName)
		if !ok {
			return nil, false // a toolchain without the type: no model
		}
		ts = append(ts, types.NewPointer(obj.Type()))
	}
	return ts, true
}
