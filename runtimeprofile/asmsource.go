package runtimeprofile

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Assembly: the SYS_* numbers, TEXT symbols and symbol references of the
// runtime's .s files, read line by line.

var (
	asmDefine = regexp.MustCompile(`^#define\s+(SYS_\w+)\s+(.+)$`)
	asmText   = regexp.MustCompile(`^TEXT\s+([^(\s]*)\(SB\)`)
	asmSysRef = regexp.MustCompile(`\$(SYS_\w+)\b`)
	// A symbol reference: pkg·name anywhere (also as a macro argument,
	// as in reflectcall's DISPATCH(runtime·call16, 16)), or a C-style
	// name(SB). A leading $ takes the address instead of calling.
	asmSymRef = regexp.MustCompile(`(\$?)([\p{L}\p{N}_∕./]*·[\p{L}\p{N}_]+|[\p{L}\p{N}_.]+(?:<[^>]*>)?\(SB\))`)
)

// asmSymbol turns an assembly symbol ("runtime·exit", "·getpid",
// "time·now<ABIInternal>", "internal∕runtime∕atomic·Load") into a node key.
func asmSymbol(pkg, sym string) string {
	static := strings.HasSuffix(sym, "<>")
	if i := strings.IndexByte(sym, '<'); i >= 0 {
		sym = sym[:i]
	}
	sym = strings.ReplaceAll(sym, "∕", "/")
	p, name, ok := strings.Cut(sym, "·")
	if !ok {
		if static {
			return pkg + "." + sym // a file-local helper such as 386's exit1<>
		}
		return sym // a C-style symbol such as _rt0_amd64_linux
	}
	if p == "" {
		p = pkg
	}
	return p + "." + name
}

// scanAsm reads one assembly file: its SYS_* #defines, which TEXT symbol
// uses each, and which symbols each TEXT body references (calls, jumps,
// addresses), as call edges.
func (s *scan) scanAsm(pkg, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("runtimeprofile: %v", err)
	}
	defer f.Close()
	defines := map[string]uint32{}
	cur := ""
	line := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if i := strings.Index(text, "//"); i >= 0 {
			text = strings.TrimSpace(text[:i])
		}
		if m := asmDefine.FindStringSubmatch(text); m != nil {
			if v, ok := evalDefine(m[2], defines); ok {
				defines[m[1]] = v
			}
			continue
		}
		if m := asmText.FindStringSubmatch(text); m != nil {
			cur = asmSymbol(pkg, m[1])
			s.asmText[cur] = true
			continue
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		for _, m := range asmSysRef.FindAllStringSubmatch(text, -1) {
			nr, ok := defines[m[1]]
			if !ok {
				continue // a #define from a header; none name syscalls today
			}
			fn := cur
			if fn == "" {
				fn = pkg + ".<data>"
			}
			s.sites = append(s.sites, rawSite{fn: fn, nr: nr, macro: m[1], pos: fmt.Sprintf("%s:%d", s.rel(path), line)})
		}
		for _, m := range asmSymRef.FindAllStringSubmatch(text, -1) {
			sym := strings.TrimSuffix(m[2], "(SB)")
			callee := asmSymbol(pkg, sym)
			s.asmRefs[callee] = true
			switch {
			case strings.HasPrefix(text, "DATA") || strings.HasPrefix(text, "GLOBL") || cur == "":
				s.escape(callee, "referenced from assembly data")
			case m[1] == "$":
				s.escape(callee, "address taken in assembly "+cur)
			case callee != cur && isIdentStart(callee):
				s.edge(cur, callee)
			}
		}
	}
	return sc.Err()
}

// evalDefine evaluates a #define body made of numbers, earlier SYS_*
// defines and +, as in arm's "(SYS_BASE + 1)" or mips' "4000 + 1".
func evalDefine(body string, defines map[string]uint32) (uint32, bool) {
	body = strings.NewReplacer("(", " ", ")", " ").Replace(body)
	var sum uint64
	for _, term := range strings.Split(body, "+") {
		term = strings.TrimSpace(term)
		if v, ok := defines[term]; ok {
			sum += uint64(v)
			continue
		}
		v, err := strconv.ParseUint(term, 0, 32)
		if err != nil {
			return 0, false
		}
		sum += v
	}
	return uint32(sum), true
}

func isIdentStart(s string) bool {
	for _, r := range s {
		return unicode.IsLetter(r) || r == '_'
	}
	return false
}
