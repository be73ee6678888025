package cluster

import (
	"context"
	"sort"
	"strings"
)

// methodTable finds the settings of a method by name: Config.Methods keys are exact names or
// patterns (see MethodConfig). An exact name wins over every pattern; among patterns the most
// specific (the most characters other than wildcards, then the longer, then the first in
// alphabetical order) wins, so a table always gives the same answer whatever the map's order.
type methodTable struct {
	exact    map[string]MethodConfig
	patterns []methodPattern // most specific first
}

type methodPattern struct {
	pattern string
	mc      MethodConfig
}

// isPattern reports whether a Config.Methods key is a pattern rather than a name.
func isPattern(key string) bool { return strings.ContainsAny(key, "*?") }

// newMethodTable compiles the keys of methods.
func newMethodTable(methods map[string]MethodConfig) *methodTable {
	t := &methodTable{exact: make(map[string]MethodConfig, len(methods))}
	for k, v := range methods {
		if isPattern(k) {
			t.patterns = append(t.patterns, methodPattern{k, v})
		} else {
			t.exact[k] = v
		}
	}
	sort.Slice(t.patterns, func(i, j int) bool {
		a, b := t.patterns[i].pattern, t.patterns[j].pattern
		la, lb := literals(a), literals(b)
		if la != lb {
			return la > lb
		}
		if len(a) != len(b) {
			return len(a) > len(b)
		}
		return a < b
	})
	return t
}

// literals counts a pattern's characters other than wildcards.
func literals(p string) int { return len(p) - strings.Count(p, "*") - strings.Count(p, "?") }

// lookup returns the settings of method and whether any key matched.
func (t *methodTable) lookup(method string) (MethodConfig, bool) {
	if mc, ok := t.exact[method]; ok {
		return mc, true
	}
	for i := range t.patterns {
		if matchMethod(t.patterns[i].pattern, method) {
			return t.patterns[i].mc, true
		}
	}
	return MethodConfig{}, false
}

// matchMethod reports whether name matches pattern, where '*' matches any run of characters
// (dots included: "system.*" matches "system.listMethods", "supervisor.get*" matches
// "supervisor.getAllProcessInfo") and '?' exactly one. It runs in O(len(pattern)*len(name)).
func matchMethod(pattern, name string) bool {
	p, n := 0, 0
	star, mark := -1, 0
	for n < len(name) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == name[n]):
			p++
			n++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, n
			p++
		case star >= 0:
			p, mark = star+1, mark+1
			n = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

type callConfigCtx struct{}

// WithCallConfig returns a context under which a call (of any shape) uses mc as its method's
// settings, instead of those Config.Methods gives its name: the whole of mc, so that
// MethodConfig{Idempotent: false} undoes a pattern's Idempotent for one call. A Mode left empty
// uses the cluster's. It is how a caller declares one call safe to repeat (or not) when the name
// alone cannot say.
func WithCallConfig(ctx context.Context, mc MethodConfig) context.Context {
	return context.WithValue(ctx, callConfigCtx{}, &mc)
}

// callConfig returns the settings WithCallConfig put in ctx, if any.
func callConfig(ctx context.Context) (*MethodConfig, bool) {
	mc, ok := ctx.Value(callConfigCtx{}).(*MethodConfig)
	return mc, ok
}

// method returns the effective mode and settings of a call of method under ctx.
func (c *Cluster) method(ctx context.Context, name string) (mode Mode, mc MethodConfig) {
	if over, ok := callConfig(ctx); ok {
		mc = *over
	} else {
		mc, _ = c.methods.lookup(name)
	}
	mode = mc.Mode
	if mode == "" {
		mode = c.cfg.Mode
	}
	return mode, mc
}
