package gateway

import (
	"fmt"
	"strings"
)

// patternKind is how a method-name pattern matches.
type patternKind uint8

const (
	matchAll    patternKind = iota // "*"
	matchExact                     // a plain name
	matchPrefix                    // "user.*": the name starts with "user."
	matchGlob                      // '*' any run of characters, '?' exactly one
)

// pattern is a compiled method-name pattern.
type pattern struct {
	kind patternKind
	s    string // the name, the prefix (with its dot) or the glob
}

// compilePattern compiles a method-name pattern: an exact name, a prefix ending in ".*", or a
// glob of '*' and '?'. Names use the characters XML-RPC allows (letters, digits, '_', '.', ':',
// '/') and '-'.
func compilePattern(p string) (pattern, error) {
	if p == "" {
		return pattern{}, fmt.Errorf("empty pattern")
	}
	for _, r := range p {
		if !nameRune(r) && r != '*' && r != '?' {
			return pattern{}, fmt.Errorf("%q holds %q: want letters, digits, _ . : / - and the wildcards * ?", p, r)
		}
	}
	switch {
	case p == "*":
		return pattern{kind: matchAll}, nil
	case !strings.ContainsAny(p, "*?"):
		return pattern{kind: matchExact, s: p}, nil
	case strings.HasSuffix(p, ".*") && !strings.ContainsAny(p[:len(p)-2], "*?"):
		return pattern{kind: matchPrefix, s: p[:len(p)-1]}, nil
	}
	return pattern{kind: matchGlob, s: p}, nil
}

func nameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		r == '_' || r == '.' || r == ':' || r == '/' || r == '-'
}

// match reports whether name matches p.
func (p pattern) match(name string) bool {
	switch p.kind {
	case matchAll:
		return true
	case matchExact:
		return name == p.s
	case matchPrefix:
		return strings.HasPrefix(name, p.s)
	}
	return glob(p.s, name)
}

// glob matches name against g, where '*' is any run of bytes and '?' one byte, in time linear in
// len(g)*len(name) at worst (the classic backtracking to the last star).
func glob(g, name string) bool {
	gi, ni := 0, 0
	star, mark := -1, 0
	for ni < len(name) {
		switch {
		case gi < len(g) && (g[gi] == '?' || g[gi] == name[ni]):
			gi++
			ni++
		case gi < len(g) && g[gi] == '*':
			star, mark = gi, ni
			gi++
		case star >= 0:
			gi = star + 1
			mark++
			ni = mark
		default:
			return false
		}
	}
	for gi < len(g) && g[gi] == '*' {
		gi++
	}
	return gi == len(g)
}

// patterns is a list of compiled patterns; a name matches when any matches.
type patterns []pattern

func (ps patterns) match(name string) bool {
	for _, p := range ps {
		if p.match(name) {
			return true
		}
	}
	return false
}
