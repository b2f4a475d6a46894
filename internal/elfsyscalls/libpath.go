package elfsyscalls

import (
	"bufio"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// defaultDirs are the directories the dynamic loader searches last, for
// amd64 on multiarch (Debian) and other layouts.
var defaultDirs = []string{
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
	"/lib64", "/usr/lib64", "/lib", "/usr/lib",
}

// searchDirs returns where the loader looks for the libraries of f:
// DT_RPATH (without DT_RUNPATH), DT_RUNPATH, the directories of
// /etc/ld.so.conf (which ld.so.cache is built from), then the standard
// ones. LD_LIBRARY_PATH is not used: it is the environment of the program
// at run time, not of the analysis.
func searchDirs(f *elf.File, origin string) []string {
	var dirs []string
	expand := func(list []string) {
		for _, l := range list {
			for _, d := range strings.Split(l, ":") {
				d = strings.ReplaceAll(strings.ReplaceAll(d, "${ORIGIN}", origin), "$ORIGIN", origin)
				if d != "" {
					dirs = append(dirs, d)
				}
			}
		}
	}
	runpath, _ := f.DynString(elf.DT_RUNPATH)
	if len(runpath) == 0 {
		rpath, _ := f.DynString(elf.DT_RPATH)
		expand(rpath)
	}
	expand(runpath)
	dirs = append(dirs, ldSoConf("/etc/ld.so.conf", 0)...)
	return append(dirs, defaultDirs...)
}

// ldSoConf returns the directories a ld.so.conf file names, following
// its include lines.
func ldSoConf(name string, depth int) []string {
	if depth > 8 {
		return nil
	}
	fh, err := os.Open(name)
	if err != nil {
		return nil
	}
	defer fh.Close()
	var dirs []string
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, "include "):
			pattern := strings.TrimSpace(strings.TrimPrefix(line, "include "))
			if !filepath.IsAbs(pattern) {
				pattern = filepath.Join(filepath.Dir(name), pattern)
			}
			matches, _ := filepath.Glob(pattern)
			for _, m := range matches {
				dirs = append(dirs, ldSoConf(m, depth+1)...)
			}
		case strings.HasPrefix(line, "/"):
			dirs = append(dirs, line)
		}
	}
	return dirs
}

// findLibrary returns the path of the library soname that the loader
// would load for a program of machine m: the first file of that name in
// dirs that is an ELF file for m.
func findLibrary(soname string, dirs []string, m elf.Machine) (string, error) {
	if strings.Contains(soname, "/") {
		return soname, nil
	}
	for _, d := range dirs {
		p := filepath.Join(d, soname)
		f, err := elf.Open(p)
		if err != nil {
			continue
		}
		ok := f.Machine == m && f.Class == elf.ELFCLASS64
		f.Close()
		if ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("library %s not found in %s", soname, strings.Join(dirs, ":"))
}
