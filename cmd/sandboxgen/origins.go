package main

import (
	"strings"

	"github.com/sandboxgen/sandboxgen/analyzer"
	"github.com/sandboxgen/sandboxgen/cmd/sandboxgen/internal/needorigin"
	"github.com/sandboxgen/sandboxgen/gen"
)

// originsOf returns, for every syscall pol or fallback lists, where it comes
// from (needorigin.Of, or -allow) followed, when the filter does more than
// simply allow it, by its rules: "program: os.OpenFile (file.go:10); allow
// if arg2 & 0x643 == 0x0". The generated file carries them as comments,
// and sandboxgen diff reads them back.
func originsOf(p *analyzer.Program, pol gen.Policy, fallback *gen.Policy) map[string]string {
	out := map[string]string{}
	for _, q := range []*gen.Policy{&pol, fallback} {
		if q == nil {
			continue
		}
		for name, rules := range q.Syscalls {
			if _, done := out[name]; done {
				continue
			}
			origin := needorigin.Allow
			if n, ok := p.Need(name); ok {
				origin = needorigin.Of(n)
			}
			if r := rulesText(rules); r != "" {
				origin += "; " + r
			}
			out[name] = origin
		}
	}
	return out
}

// rulesText describes rules, or returns "" for one unconditional allow.
func rulesText(rules []gen.Rule) string {
	if len(rules) == 1 && len(rules[0].Args) == 0 && rules[0].Action == gen.Allow {
		return ""
	}
	var parts []string
	for _, r := range rules {
		parts = append(parts, describeRule(r))
	}
	return strings.Join(parts, " | ")
}
