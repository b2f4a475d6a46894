package analyzer

import (
	"fmt"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// The standard library calls a few libc functions through cgo when it is
// built with cgo: the name-service lookups of os/user and the DNS
// resolver of net. The syscalls glibc makes inside them are invisible to
// the analysis but known: NSS asks nscd over a unix socket first, then reads
// the files /etc/nsswitch.conf names (and may load NSS modules), and the
// resolver talks to the name servers. Measured with strace on glibc
// (os/user lookups and net lookups of names in /etc/hosts), plus the
// resolver's network calls (sendmmsg, recvfrom, poll) for names it asks a
// server about.
var (
	nssSyscalls = []string{
		"socket", "connect", "openat", "read", "close", "fstat", "newfstatat", "lseek",
		"mmap", "munmap", "mprotect", "fcntl", "futex",
	}
	resolverSyscalls = append(append([]string(nil), nssSyscalls...),
		"poll", "ppoll", "sendmmsg", "sendto", "recvfrom", "recvmsg", "bind", "getsockname",
		"setsockopt", "ioctl", "uname", "getrandom")
	// libcFuncs maps the C function (as cgo names it in the generated
	// _Cfunc_/_C2func_ wrapper) to what it needs.
	libcFuncs = map[string][]string{
		"getaddrinfo":    resolverSyscalls,
		"getnameinfo":    resolverSyscalls,
		"res_search":     resolverSyscalls,
		"res_nsearch":    resolverSyscalls,
		"res_ninit":      resolverSyscalls,
		"mygetpwuid_r":   nssSyscalls,
		"mygetpwnam_r":   nssSyscalls,
		"mygetgrgid_r":   nssSyscalls,
		"mygetgrnam_r":   nssSyscalls,
		"mygetgrouplist": nssSyscalls,
	}
)

// cgoNeeds returns the syscalls of the known libc functions the program
// reaches through cgo, each with the path to its cgo wrapper. With live
// set, only those whose wrapper is live are returned in out, and those
// whose wrapper reached admits (all, when reached is nil) in pruned.
func (p *program) cgoNeeds(r *reach, live, reached func(*ssa.Function) bool) (out, pruned []Need) {
	for _, w := range p.cgoWrappers(r) {
		path := p.reachPath(r, w.fn, w.fn.Pos())
		for _, s := range libcFuncs[w.cname] {
			if nr, ok := p.table.Number(s); ok {
				n := Need{Name: s, Nr: nr, Origin: fmt.Sprintf("%s%s", OriginCgoPrefix, w.cname), Path: path}
				if live != nil && !live(w.fn) {
					if reached == nil || reached(w.fn) {
						pruned = append(pruned, n)
					}
				} else {
					out = append(out, n)
				}
			}
		}
	}
	return out, pruned
}

// cgoWrapper is a reachable cgo wrapper of a libc function libcFuncs knows.
type cgoWrapper struct {
	fn    *ssa.Function
	cname string
}

// cgoWrappers returns the reachable cgo wrappers of the libc functions
// libcFuncs knows, in a stable order, found once per reach: cgoNeeds
// runs for the code after Lock and again for each go statement before it.
func (p *program) cgoWrappers(r *reach) []cgoWrapper {
	if r.cgoFound {
		return r.cgoFuncs
	}
	r.cgoFound = true
	for _, fn := range p.sortedFuncs(r.funcs) {
		name := fn.Name()
		var cname string
		switch {
		case strings.HasPrefix(name, "_Cfunc_"):
			cname = strings.TrimPrefix(name, "_Cfunc_")
		case strings.HasPrefix(name, "_C2func_"):
			cname = strings.TrimPrefix(name, "_C2func_")
		default:
			continue
		}
		if _, ok := libcFuncs[cname]; ok {
			r.cgoFuncs = append(r.cgoFuncs, cgoWrapper{fn, cname})
		}
	}
	return r.cgoFuncs
}
