package auditlog

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/sandboxgen/sandboxgen/internal/systable"
)

// Record is one seccomp audit record.
type Record struct {
	Exe     string // exe= field: the executable that made the call
	Comm    string // comm= field: the thread's name
	PID     int
	Arch    uint32 // AUDIT_ARCH_* value
	GOARCH  string // Go's name for Arch, "" when no supported table has it
	Nr      int    // syscall number, -1 when the record gave a name instead
	Syscall string // syscall name, or "syscall_N" when the table does not know N
	Code    uint32 // the filter's return value (SECCOMP_RET_*)
}

// Action names the filter's answer in the record's code.
func (r Record) Action() string { return ActionName(r.Code) }

// ActionName names a seccomp return value: kill_process, kill_thread,
// trap, errno (errno(N) when the value carries the number, which the
// kernel's records do not), user_notif, trace, log, allow.
func ActionName(code uint32) string {
	switch code & 0xffff0000 {
	case 0x80000000:
		return "kill_process"
	case 0x00000000:
		return "kill_thread"
	case 0x00030000:
		return "trap"
	case 0x00050000:
		// The kernel's records carry the action without its data, so
		// the errno number is usually not there.
		if code&0xffff == 0 {
			return "errno"
		}
		return fmt.Sprintf("errno(%d)", code&0xffff)
	case 0x7fc00000:
		return "user_notif"
	case 0x7ff00000:
		return "trace"
	case 0x7ffc0000:
		return "log"
	case 0x7fff0000:
		return "allow"
	}
	return fmt.Sprintf("code=%#x", code)
}

// tableForArch finds the syscall table whose AUDIT_ARCH is arch.
func tableForArch(arch uint32) *systable.Table {
	for _, a := range systable.Arches() {
		t, err := systable.Lookup(a)
		if err == nil && t.AuditArch == arch {
			return t
		}
	}
	return nil
}

// interpretedActions are the names ausearch -i writes instead of the code.
var interpretedActions = map[string]uint32{
	"kill_process": 0x80000000, "kill": 0, "kill_thread": 0, "trap": 0x30000, "errno": 0x50000,
	"user_notif": 0x7fc00000, "trace": 0x7ff00000, "log": 0x7ffc0000, "allow": 0x7fff0000,
}

// archNames are the names ausearch -i writes instead of the hex value.
var archNames = map[string]string{
	"x86_64": "amd64", "i386": "386", "aarch64": "arm64", "armeb": "arm", "arm": "arm",
	"ppc64le": "ppc64le", "ppc64": "ppc64", "s390x": "s390x", "riscv64": "riscv64",
	"mips": "mips", "mipsel": "mipsle", "mips64": "mips64", "mips64el": "mips64le", "loongarch64": "loong64",
}

// ParseLine parses one line; ok is false when the line holds no seccomp
// record. err reports a record whose fields are malformed.
func ParseLine(line string) (rec Record, ok bool, err error) {
	i := strings.Index(line, "type=1326 ")
	if i < 0 {
		i = strings.Index(line, "type=SECCOMP ")
	}
	if i < 0 {
		return Record{}, false, nil
	}
	line = line[i:]
	// auditd's enriched format appends the interpreted fields after a
	// group separator; the raw ones before it are what we read.
	if gs := strings.IndexByte(line, 0x1d); gs >= 0 {
		line = line[:gs]
	}
	fields := splitFields(line)
	rec = Record{Nr: -1, PID: -1}
	archField, hasArch := fields["arch"]
	sc, hasSC := fields["syscall"]
	if !hasArch || !hasSC {
		return Record{}, true, fmt.Errorf("seccomp record without arch= or syscall=: %q", line)
	}
	if a, err := strconv.ParseUint(archField, 16, 32); err == nil {
		rec.Arch = uint32(a)
		if t := tableForArch(rec.Arch); t != nil {
			rec.GOARCH = t.GOARCH
		}
	} else if g, ok := archNames[archField]; ok {
		rec.GOARCH = g
		if t, err := systable.Lookup(g); err == nil {
			rec.Arch = t.AuditArch
		}
	} else {
		return Record{}, true, fmt.Errorf("seccomp record with unknown arch=%s: %q", archField, line)
	}
	if n, err := strconv.Atoi(sc); err == nil {
		rec.Nr = n
		rec.Syscall = fmt.Sprintf("syscall_%d", n)
		if t, err := systable.Lookup(rec.GOARCH); err == nil && rec.GOARCH != "" {
			if name, ok := t.Name(uint32(n)); ok {
				rec.Syscall = name
			}
		}
	} else {
		rec.Syscall = sc // ausearch -i already names it
	}
	if c, ok := fields["code"]; ok {
		v, err := strconv.ParseUint(strings.TrimPrefix(c, "0x"), 16, 32)
		if named, ok := interpretedActions[c]; ok {
			v, err = uint64(named), nil
		}
		if err != nil {
			return Record{}, true, fmt.Errorf("seccomp record with bad code=%s: %q", c, line)
		}
		rec.Code = uint32(v)
	}
	rec.Exe = fields["exe"]
	rec.Comm = fields["comm"]
	if p, err := strconv.Atoi(fields["pid"]); err == nil {
		rec.PID = p
	}
	return rec, true, nil
}

// splitFields splits key=value pairs; values may be "quoted" (no escapes
// inside: the kernel hex-encodes values that would need them) or, for exe
// and comm, unquoted hex.
func splitFields(s string) map[string]string {
	m := map[string]string{}
	for len(s) > 0 {
		s = strings.TrimLeft(s, " ")
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			break
		}
		key := s[:eq]
		if sp := strings.LastIndexByte(key, ' '); sp >= 0 {
			key = key[sp+1:]
		}
		s = s[eq+1:]
		var val string
		if strings.HasPrefix(s, `"`) {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				val, s = s[1:], ""
			} else {
				val, s = s[1:1+end], s[2+end:]
			}
		} else {
			end := strings.IndexByte(s, ' ')
			if end < 0 {
				end = len(s)
			}
			val, s = s[:end], s[end:]
			if key == "exe" || key == "comm" {
				if b, err := hex.DecodeString(val); err == nil && len(val) > 0 {
					val = string(b)
				}
			}
		}
		if _, dup := m[key]; !dup {
			m[key] = val
		}
	}
	return m
}

// Parse reads every seccomp record from r, skipping other lines. It returns
// the records in order and the malformed ones as errors, without stopping.
func Parse(r io.Reader) ([]Record, []error, error) {
	var recs []Record
	var bad []error
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		rec, ok, err := ParseLine(sc.Text())
		if !ok {
			continue
		}
		if err != nil {
			bad = append(bad, err)
			continue
		}
		recs = append(recs, rec)
	}
	return recs, bad, sc.Err()
}

// Entry counts one syscall of one executable under one action.
type Entry struct {
	Syscall string `json:"syscall"`
	Nr      int    `json:"nr"`
	Action  string `json:"action"`
	Count   int    `json:"count"`
}

// Exe is the summary of one executable on one architecture.
type Exe struct {
	Exe      string  `json:"exe"`
	GOARCH   string  `json:"goarch"`
	Syscalls []Entry `json:"syscalls"` // sorted by name, then action
}

// Names returns the distinct syscall names, sorted.
func (e Exe) Names() []string {
	var names []string
	for _, s := range e.Syscalls {
		if len(names) == 0 || names[len(names)-1] != s.Syscall {
			names = append(names, s.Syscall)
		}
	}
	return names
}

// Summarize groups records per executable and architecture, sorted by
// executable path, then GOARCH.
func Summarize(recs []Record) []Exe {
	type key struct{ exe, arch string }
	type skey struct {
		name, action string
		nr           int
	}
	by := map[key]map[skey]int{}
	for _, r := range recs {
		k := key{r.Exe, r.GOARCH}
		if by[k] == nil {
			by[k] = map[skey]int{}
		}
		by[k][skey{r.Syscall, r.Action(), r.Nr}]++
	}
	var out []Exe
	for k, m := range by {
		e := Exe{Exe: k.exe, GOARCH: k.arch}
		for s, n := range m {
			e.Syscalls = append(e.Syscalls, Entry{Syscall: s.name, Nr: s.nr, Action: s.action, Count: n})
		}
		sort.Slice(e.Syscalls, func(i, j int) bool {
			a, b := e.Syscalls[i], e.Syscalls[j]
			if a.Syscall != b.Syscall {
				return a.Syscall < b.Syscall
			}
			return a.Action < b.Action
		})
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Exe != out[j].Exe {
			return out[i].Exe < out[j].Exe
		}
		return out[i].GOARCH < out[j].GOARCH
	})
	return out
}
