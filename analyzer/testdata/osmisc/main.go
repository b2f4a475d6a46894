// Command osmisc exercises the os package broadly: directories, links,
// permissions, the working directory, the host name, the current user,
// time zones and network interfaces.
package main

import (
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	dir := os.Getenv("FIXTURE_DIR")
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	sub := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		panic(err)
	}
	file := filepath.Join(sub, "f.txt")
	if err := os.WriteFile(file, []byte("0123456789"), 0o644); err != nil {
		panic(err)
	}
	if err := os.Truncate(file, 4); err != nil {
		panic(err)
	}
	if err := os.Chmod(file, 0o600); err != nil {
		panic(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		panic(err)
	}
	if target, err := os.Readlink(link); err != nil || target != file {
		panic(fmt.Sprint(target, err))
	}
	if err := os.Chtimes(file, time.Unix(0, 0), time.Unix(0, 0)); err != nil {
		panic(err)
	}
	n := 0
	if err := filepath.WalkDir(dir, func(string, fs.DirEntry, error) error { n++; return nil }); err != nil || n < 4 {
		panic(fmt.Sprint(n, err))
	}
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	if err := os.Chdir(sub); err != nil {
		panic(err)
	}
	if err := os.Chdir(wd); err != nil {
		panic(err)
	}
	if _, err := os.Hostname(); err != nil {
		panic(err)
	}
	if _, err := user.Current(); err != nil {
		panic(err)
	}
	if _, err := time.LoadLocation("Europe/Paris"); err != nil {
		fmt.Fprintln(os.Stderr, "no zoneinfo:", err)
	}
	ifs, err := net.Interfaces()
	if err != nil || len(ifs) == 0 {
		panic(fmt.Sprint(ifs, err))
	}
	if err := os.RemoveAll(filepath.Join(dir, "a")); err != nil {
		panic(err)
	}
	fmt.Println("ok")
}
