package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAuditFile(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := runAudit([]string{"testdata/audit/records.txt"}, nil, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("audit: exit %d, stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"/usr/bin/sort (amd64):\n  fadvise64  221  log  2\n  -allow fadvise64\n",
		"/srv/prog (arm64):\n  openat  56  errno  1\n  -allow openat\n",
		"/opt/my prog (amd64):\n  socket  41  trap  1\n",
		"all executables (amd64): -allow brk,epoll_pwait,fadvise64,socket,statfs\n",
		"all executables (arm64): -allow openat\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("audit output lacks %q:\n%s", want, out)
		}
	}

	stdout.Reset()
	code = runAudit([]string{"-exe", "sort", "-"}, strings.NewReader(mustRead(t, "testdata/audit/records.txt")), &stdout, &stderr)
	if code != exitOK || stdout.String() != "/usr/bin/sort (amd64):\n  fadvise64  221  log  2\n  -allow fadvise64\n" {
		t.Errorf("audit -exe sort -: exit %d, output:\n%s", code, stdout.String())
	}
}

func TestAuditBadInput(t *testing.T) {
	for _, args := range [][]string{{"a", "b"}, {"testdata/audit/no-such-file"}, {"-nosuchflag"}} {
		var stdout, stderr bytes.Buffer
		if code := runAudit(args, nil, &stdout, &stderr); code != exitBadInput {
			t.Errorf("audit %q: exit %d, want %d", args, code, exitBadInput)
		}
		if stderr.Len() == 0 {
			t.Errorf("audit %q: no message on stderr", args)
		}
	}
}

func TestAuditWrite(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := runAudit([]string{"-write", "-pkg", dir, "-exe", "/usr/bin/sort", "testdata/audit/records.txt"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("audit -write: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "added fadvise64 (/usr/bin/sort)") {
		t.Errorf("audit -write does not say what it added:\n%s", stdout.String())
	}
	got := mustRead(t, filepath.Join(dir, learnedFile))
	if want := learnedHeader + "\nfadvise64            /usr/bin/sort             # audit on amd64\n"; got != want {
		t.Errorf("learned file:\n%s\nwant\n%s", got, want)
	}
	stdout.Reset()
	if code := runAudit([]string{"-write", "-pkg", dir, "-exe", "sort", "testdata/audit/records.txt"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("second audit -write: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "nothing new") || mustRead(t, filepath.Join(dir, learnedFile)) != got {
		t.Errorf("a second audit -write of the same records changed the file or did not say so:\n%s", stdout.String())
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
