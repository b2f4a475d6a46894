package analyzer

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestNetworkModel checks every answer of the network-string model
// (networkFuncs) against the toolchain's net package: it makes each call
// with each network the model knows and compares the dynamic type of the
// first result with the model's. A network the machine cannot use (no
// IPv6 loopback) is skipped, not passed.
func TestNetworkModel(t *testing.T) {
	dir := t.TempDir()
	// Peers the dialling calls connect to, per network.
	listeners := map[string]net.Listener{}
	packets := map[string]net.PacketConn{}
	peer := func(network string) (string, error) {
		switch network {
		case "udp", "udp4", "udp6", "unixgram":
			if pc, ok := packets[network]; ok {
				return pc.LocalAddr().String(), nil
			}
			pc, err := net.ListenPacket(network, localAddr(dir, network, "peer"))
			if err != nil {
				return "", err
			}
			t.Cleanup(func() { pc.Close() })
			packets[network] = pc
			return pc.LocalAddr().String(), nil
		}
		if ln, ok := listeners[network]; ok {
			return ln.Addr().String(), nil
		}
		ln, err := net.Listen(network, localAddr(dir, network, "peer"))
		if err != nil {
			return "", err
		}
		t.Cleanup(func() { ln.Close() })
		listeners[network] = ln
		return ln.Addr().String(), nil
	}
	ctx := context.Background()
	n := 0
	call := func(f networkFunc, network string) (any, error) {
		n++
		name := fmt.Sprint("call", n)
		switch f.recv + "." + f.name {
		case ".Listen":
			return net.Listen(network, localAddr(dir, network, name))
		case "ListenConfig.Listen":
			return new(net.ListenConfig).Listen(ctx, network, localAddr(dir, network, name))
		case ".ListenPacket":
			return net.ListenPacket(network, localAddr(dir, network, name))
		case "ListenConfig.ListenPacket":
			return new(net.ListenConfig).ListenPacket(ctx, network, localAddr(dir, network, name))
		}
		addr, err := peer(network)
		if err != nil {
			return nil, err
		}
		switch f.recv + "." + f.name {
		case ".Dial":
			return net.Dial(network, addr)
		case ".DialTimeout":
			return net.DialTimeout(network, addr, 5*time.Second)
		case "Dialer.Dial":
			return new(net.Dialer).Dial(network, addr)
		case "Dialer.DialContext":
			return new(net.Dialer).DialContext(ctx, network, addr)
		}
		return nil, fmt.Errorf("no call for the model's %s.%s: add one to this test", f.recv, f.name)
	}
	for _, f := range networkFuncs {
		for network, want := range f.byNetwork {
			t.Run(f.recv+"."+f.name+"/"+network, func(t *testing.T) {
				got, err := call(f, network)
				if err != nil {
					if strings.HasSuffix(network, "6") {
						t.Skipf("%s: %v", network, err)
					}
					t.Fatal(err)
				}
				if c, ok := got.(interface{ Close() error }); ok {
					defer c.Close()
				}
				if typ := reflect.TypeOf(got); typ.Kind() != reflect.Pointer || typ.Elem().PkgPath() != "net" || typ.Elem().Name() != want {
					t.Errorf("%s.%s(%q) returned a %v; the model says *net.%s", f.recv, f.name, network, typ, want)
				}
			})
		}
	}
}

// localAddr is an address to listen on for network: a loopback port the
// kernel picks, or a socket file in dir.
func localAddr(dir, network, name string) string {
	switch {
	case strings.HasPrefix(network, "unix"):
		return filepath.Join(dir, network+"-"+name)
	case strings.HasSuffix(network, "6"):
		return "[::1]:0"
	}
	return "127.0.0.1:0"
}
