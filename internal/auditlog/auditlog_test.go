package auditlog

import (
	"os"
	"strings"
	"testing"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		name, line string
		want       Record
	}{
		{"dmesg kill", `[  220.980372] audit: type=1326 audit(1795979384.881:16): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=12110 comm="true" exe="/usr/bin/true" sig=31 arch=c000003e syscall=12 compat=0 ip=0x7f6437f68c47 code=0x80000000`,
			Record{Exe: "/usr/bin/true", Comm: "true", PID: 12110, Arch: 0xc000003e, GOARCH: "amd64", Nr: 12, Syscall: "brk", Code: 0x80000000}},
		{"kmsg log", `6,2101,230412345,-;audit: type=1326 audit(1795979394.100:17): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=12200 comm="sort" exe="/usr/bin/sort" sig=0 arch=c000003e syscall=221 compat=0 ip=0x7f00 code=0x7ffc0000`,
			Record{Exe: "/usr/bin/sort", Comm: "sort", PID: 12200, Arch: 0xc000003e, GOARCH: "amd64", Nr: 221, Syscall: "fadvise64", Code: 0x7ffc0000}},
		{"journal arm64 errno", `Nov 29 19:02:11 host kernel: audit: type=1326 audit(1795979395.010:20): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=12202 comm="prog" exe="/srv/prog" sig=0 arch=c00000b7 syscall=56 compat=0 ip=0x4001 code=0x50000`,
			Record{Exe: "/srv/prog", Comm: "prog", PID: 12202, Arch: 0xc00000b7, GOARCH: "arm64", Nr: 56, Syscall: "openat", Code: 0x50000}},
		{"audit.log hex exe", "type=SECCOMP msg=audit(1795979396.000:21): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid=12203 comm=\"my prog\" exe=2F6F70742F6D792070726F67 sig=0 arch=c000003e syscall=41 compat=0 ip=0x7f02 code=0x30000\x1dAUID=\"unset\" ARCH=x86_64 SYSCALL=socket",
			Record{Exe: "/opt/my prog", Comm: "my prog", PID: 12203, Arch: 0xc000003e, GOARCH: "amd64", Nr: 41, Syscall: "socket", Code: 0x30000}},
		{"ausearch -i", `type=SECCOMP msg=audit(11/29/2026 19:02:10.000:21) : auid=unset uid=root pid=5 comm=sort exe=/usr/bin/sort sig=SIG0 arch=x86_64 syscall=fadvise64 compat=0 ip=0x7f00 code=log`,
			Record{Exe: "/usr/bin/sort", Comm: "sort", PID: 5, Arch: 0xc000003e, GOARCH: "amd64", Nr: -1, Syscall: "fadvise64", Code: 0x7ffc0000}},
		{"i386 child", `audit: type=1326 audit(1.2:3): pid=9 comm="a" exe="/a" sig=0 arch=40000003 syscall=5 compat=1 ip=0x1 code=0x7ffc0000`,
			Record{Exe: "/a", Comm: "a", PID: 9, Arch: 0x40000003, GOARCH: "386", Nr: 5, Syscall: "open", Code: 0x7ffc0000}},
		{"unknown number", `audit: type=1326 audit(1.2:3): pid=9 comm="a" exe="/a" sig=0 arch=c000003e syscall=999 compat=0 ip=0x1 code=0x7ffc0000`,
			Record{Exe: "/a", Comm: "a", PID: 9, Arch: 0xc000003e, GOARCH: "amd64", Nr: 999, Syscall: "syscall_999", Code: 0x7ffc0000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := ParseLine(tt.line)
			if !ok || err != nil {
				t.Fatalf("ParseLine: ok=%v err=%v", ok, err)
			}
			if got != tt.want {
				t.Errorf("ParseLine:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseLineRejects(t *testing.T) {
	for _, line := range []string{
		"[  1.0] eth0: link up",
		`type=SYSCALL msg=audit(1.2:3): arch=c000003e syscall=59 success=yes`,
		"",
	} {
		if _, ok, _ := ParseLine(line); ok {
			t.Errorf("ParseLine(%q) took a line that is no seccomp record", line)
		}
	}
	for _, line := range []string{
		`audit: type=1326 audit(1.2:3): pid=9 exe="/a" syscall=5 code=0x0`,
		`audit: type=1326 audit(1.2:3): pid=9 exe="/a" arch=zz syscall=5 code=0x0`,
		`audit: type=1326 audit(1.2:3): pid=9 exe="/a" arch=c000003e syscall=5 code=0xq`,
	} {
		if _, ok, err := ParseLine(line); !ok || err == nil {
			t.Errorf("ParseLine(%q): ok=%v err=%v, want a record with an error", line, ok, err)
		}
	}
}

func TestActionName(t *testing.T) {
	for code, want := range map[uint32]string{
		0x80000000: "kill_process", 0: "kill_thread", 0x30000: "trap", 0x50001: "errno(1)",
		0x50026: "errno(38)", 0x7ffc0000: "log", 0x7fff0000: "allow", 0x7ff00000: "trace", 0x12340000: "code=0x12340000",
	} {
		if got := ActionName(code); got != want {
			t.Errorf("ActionName(%#x) = %q, want %q", code, got, want)
		}
	}
}

func TestParseAndSummarize(t *testing.T) {
	f, err := os.Open("testdata/records.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, bad, err := Parse(f)
	if err != nil || len(bad) != 0 {
		t.Fatalf("Parse: err=%v bad=%v", err, bad)
	}
	if len(recs) != 7 {
		t.Fatalf("Parse found %d records, want 7", len(recs))
	}
	sum := Summarize(recs)
	var lines []string
	for _, e := range sum {
		for _, s := range e.Syscalls {
			lines = append(lines, e.Exe+" "+e.GOARCH+" "+s.Syscall+" "+s.Action+" "+string(rune('0'+s.Count)))
		}
	}
	want := []string{
		"/opt/my prog amd64 socket trap 1",
		"/srv/prog arm64 openat errno 1",
		"/tmp/TestStressEndings2651602939/001/stress amd64 epoll_pwait kill_process 1",
		"/usr/bin/ls amd64 statfs log 1",
		"/usr/bin/sort amd64 fadvise64 log 2",
		"/usr/bin/true amd64 brk kill_process 1",
	}
	if got := strings.Join(lines, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("Summarize:\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}
