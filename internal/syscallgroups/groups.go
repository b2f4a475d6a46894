package syscallgroups

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Prefix marks a group name in a list of syscalls.
const Prefix = "@"

// Group is a named set of syscalls and what it is for.
type Group struct {
	Name     string   // with the @, e.g. "@mount"
	Doc      string   // one line: what the syscalls do
	Syscalls []string // kernel names, sorted
}

// groups are the definitions, sorted by name. Each list is sorted; the
// test checks both, and that every name is a syscall somewhere.
var groups = []Group{
	{"@bpf", "load BPF programs and maps", []string{"bpf"}},
	{"@chown", "change the owner of files", []string{"chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32"}},
	{"@clock", "set the system clock", []string{"adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64", "settimeofday", "stime"}},
	{"@debug", "trace and inspect other processes", []string{"kcmp", "lookup_dcookie", "perf_event_open", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"}},
	{"@exec", "run other programs", []string{"execve", "execveat"}},
	{"@io-uring", "the io_uring interface", []string{"io_uring_enter", "io_uring_register", "io_uring_setup"}},
	{"@keyring", "the kernel's key management", []string{"add_key", "keyctl", "request_key"}},
	{"@module", "load and unload kernel modules", []string{"create_module", "delete_module", "finit_module", "init_module"}},
	{"@mount", "mount file systems and change the root", []string{"chroot", "fsconfig", "fsmount", "fsopen", "fspick", "mount", "mount_setattr", "move_mount", "open_tree", "pivot_root", "umount", "umount2"}},
	{"@namespace", "create and enter namespaces", []string{"setns", "unshare"}},
	{"@network-io", "sockets: create, connect, accept, send, receive", []string{"accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt", "listen", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "send", "sendmmsg", "sendmsg", "sendto", "setsockopt", "shutdown", "socket", "socketcall", "socketpair"}},
	{"@raw-io", "raw access to I/O ports and devices", []string{"ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write", "s390_pci_mmio_read", "s390_pci_mmio_write"}},
	{"@reboot", "reboot and load a new kernel", []string{"kexec_file_load", "kexec_load", "reboot"}},
	{"@setuid", "change user and group ids and capabilities", []string{"capset", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setregid", "setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setuid", "setuid32"}},
	{"@swap", "turn swap on and off", []string{"swapoff", "swapon"}},
	{"@sysv-ipc", "System V message queues, semaphores and shared memory", []string{"ipc", "msgctl", "msgget", "msgrcv", "msgsnd", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "shmat", "shmctl", "shmdt", "shmget"}},
}

// Groups returns every group, sorted by name.
func Groups() []Group { return slices.Clone(groups) }

// Lookup returns the group with the given name ("@mount").
func Lookup(name string) (Group, bool) {
	i := sort.Search(len(groups), func(i int) bool { return groups[i].Name >= name })
	if i < len(groups) && groups[i].Name == name {
		return groups[i], true
	}
	return Group{}, false
}

// Names returns the group names, sorted.
func Names() []string {
	out := make([]string, len(groups))
	for i, g := range groups {
		out[i] = g.Name
	}
	return out
}

// IsGroup reports whether entry names a group (starts with Prefix).
func IsGroup(entry string) bool { return strings.HasPrefix(entry, Prefix) }

// Expand replaces each group in entries by its syscalls, keeping single
// names as they are, in order, each name once. from maps each name that a
// group brought in to that group (the first one), for messages. An unknown
// group is an error that lists the known ones.
func Expand(entries []string) (names []string, from map[string]string, err error) {
	from = map[string]string{}
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, e := range entries {
		if !IsGroup(e) {
			add(e)
			continue
		}
		g, ok := Lookup(e)
		if !ok {
			return nil, nil, fmt.Errorf("%s: no such syscall group; the groups are %s", e, strings.Join(Names(), ", "))
		}
		for _, n := range g.Syscalls {
			if _, ok := from[n]; !ok && !seen[n] {
				from[n] = g.Name
			}
			add(n)
		}
	}
	return names, from, nil
}
