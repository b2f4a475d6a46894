package needorigin

import (
	"testing"

	"github.com/sandboxgen/sandboxgen/analyzer"
)

func TestOf(t *testing.T) {
	tests := []struct {
		name string
		need analyzer.Need
		want string
	}{
		{"runtime", analyzer.Need{Origin: "runtime:always"}, "runtime: always"},
		{"runtime group", analyzer.Need{Origin: "runtime:new thread"}, "runtime: new thread"},
		{"exec child", analyzer.Need{Origin: "runtime:exec"}, "exec child"},
		{"fork/exec group", analyzer.Need{Origin: "runtime:forkexec"}, "runtime: fork/exec"},
		{"cgo", analyzer.Need{Origin: "cgo:getaddrinfo"}, "cgo: getaddrinfo"},
		{"allow", analyzer.Need{Origin: Allow}, "-allow"},
		{"program frame nearest the site", analyzer.Need{Origin: "program", Path: []string{
			"github.com/acme/web.main (web/main.go:40:2)",
			"(*github.com/acme/web.server).status (web/main.go:120:23)",
			"os.Getpid (src/os/exec.go:239:42)",
			"syscall.Getpid (src/syscall/zsyscall_linux_amd64.go:501:28)",
		}}, "program: (*web.server).status (main.go:120)"},
		{"program value receiver, module dependency", analyzer.Need{Origin: "program", Path: []string{
			"[package initialiser] github.com/acme/web.init (web/main.go:1:1)",
			"(github.com/acme/sandbox/selfsandbox.linuxKernel).install (selfsandbox/kernel_linux.go:49:28)",
			"golang.org/x/sys/unix.Prctl (sys@v0.50.0/unix/zsyscall_linux.go:1401:22)",
		}}, "program: unix.Prctl (zsyscall_linux.go:1401)"},
		{"program all std", analyzer.Need{Origin: "program", Path: []string{
			"[package initialiser] syscall.init#1 (src/syscall/rlimit.go:32:21)",
			"syscall.Getrlimit (src/syscall/syscall_linux.go:1295:17)",
		}}, "program: syscall.init#1 (rlimit.go:32)"},
		{"program main package", analyzer.Need{Origin: "program", Path: []string{
			"main.main (main.go:10:2)", "os.Exit (src/os/proc.go:60:2)",
		}}, "program: main.main (main.go:10)"},
		{"program synthetic root", analyzer.Need{Origin: "program", Path: []string{
			"github.com/acme/web.init (-)", "os.Open (src/os/file.go:1:1)",
		}}, "program: web.init"},
		{"program root reason on its own line", analyzer.Need{Origin: "program", Path: []string{
			"[passed to runtime.AddCleanup[internal/poll.splicePipe] at internal/poll/splice_linux.go:197:32]",
			"internal/poll.newPoolPipe$1 (internal/poll/splice_linux.go:198:14)",
			"syscall.Close (src/syscall/zsyscall_linux_amd64.go:335:21)",
		}}, "program: poll.newPoolPipe$1 (splice_linux.go:198)"},
		{"program assembly frame", analyzer.Need{Origin: "program", Path: []string{
			"github.com/acme/web.main (web/main.go:5:1)", "example.org/asm.raw (assembly)", "syscall.Syscall (src/syscall/a.go:1:1)",
		}}, "program: asm.raw"},
		{"program no path", analyzer.Need{Origin: "program"}, "program"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Of(tt.need); got != tt.want {
				t.Errorf("Of = %q, want %q", got, tt.want)
			}
		})
	}
}
