package gateway

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/harp-rpc/harp/cluster"
)

// Verify reports every problem of c as ConfigErrors (with file positions when c came from Load
// or Parse), nil when New can serve it. It reads the TLS files it names, so a certificate that
// does not load is refused here, not at start-up.
func (c *Config) Verify() error {
	v := &verifier{c: c}
	if c.pos != nil && c.print == fingerprint(c) {
		v.file, v.pos = c.file, c.pos // the errors point into the file
	}
	v.listeners()
	v.limits()
	v.pools()
	v.routes()
	if len(v.errs) == 0 {
		return nil
	}
	sort.SliceStable(v.errs, func(i, j int) bool {
		a, b := v.errs[i], v.errs[j]
		return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column
	})
	return v.errs
}

type verifier struct {
	c    *Config
	file string
	pos  map[string]position // nil when c changed since it was parsed
	errs ConfigErrors
}

// bad records a problem of the field at path, placed where the field (or its nearest parent)
// was written.
func (v *verifier) bad(path, format string, a ...any) {
	e := &ConfigError{File: v.file, Field: path, Msg: fmt.Sprintf(format, a...)}
	for p := path; p != "" && v.pos != nil; p = parent(p) {
		if pos, ok := v.pos[p]; ok {
			e.Line, e.Column = pos.line, pos.col
			break
		}
	}
	v.errs = append(v.errs, e)
}

func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func (v *verifier) listeners() {
	if len(v.c.Listeners) == 0 {
		v.bad("listeners", "want at least one listener, such as {address: 127.0.0.1:8080}")
	}
	seen := map[string]bool{}
	for i, l := range v.c.Listeners {
		path := fmt.Sprintf("listeners[%d]", i)
		if err := checkAddress(l.Address); err != nil {
			v.bad(path+".address", "%v", err)
		} else if seen[l.Address] {
			v.bad(path+".address", "%s is listed twice", l.Address)
		}
		if !strings.HasSuffix(l.Address, ":0") { // port 0: a free port each
			seen[l.Address] = true
		}
		if l.TLS != nil {
			v.tls(path+".tls", l.TLS)
		}
	}
	if v.c.Admin.Address != "" {
		if err := checkAddress(v.c.Admin.Address); err != nil {
			v.bad("admin.address", "%v", err)
		} else if seen[v.c.Admin.Address] {
			v.bad("admin.address", "%s is also a call listener: want an address of its own", v.c.Admin.Address)
		}
	}
}

// checkAddress accepts host:port and unix:/path.
func checkAddress(a string) error {
	if p, ok := strings.CutPrefix(a, "unix:"); ok {
		if p == "" {
			return errors.New("want unix:/path/to.sock, got an empty path")
		}
		return nil
	}
	if _, _, err := net.SplitHostPort(a); err != nil {
		return fmt.Errorf("want host:port or unix:/path/to.sock, got %q", a)
	}
	return nil
}

func (v *verifier) tls(path string, t *TLS) {
	if t.Cert == "" || t.Key == "" {
		v.bad(path, "want both cert and key files")
	} else if _, err := tls.LoadX509KeyPair(t.Cert, t.Key); err != nil {
		v.bad(path+".cert", "cannot load the key pair: %v", err)
	}
	if t.ClientCA != "" {
		if _, err := os.ReadFile(t.ClientCA); err != nil {
			v.bad(path+".client_ca", "%v", err)
		}
	}
	if !slices.Contains([]string{"", "none", "request", "require"}, t.ClientAuth) {
		v.bad(path+".client_auth", "want none, request or require, got %q", t.ClientAuth)
	}
	if t.ClientAuth != "" && t.ClientAuth != "none" && t.ClientCA == "" {
		v.bad(path+".client_auth", "%s needs client_ca", t.ClientAuth)
	}
}

func (v *verifier) limits() {
	l := v.c.Limits
	for _, f := range []struct {
		name string
		n    int64
	}{
		{"max_body_size", l.MaxBodySize}, {"max_depth", int64(l.MaxDepth)}, {"max_batch", int64(l.MaxBatch)},
		{"max_values", int64(l.MaxValues)}, {"max_header_size", int64(l.MaxHeaderSize)},
		{"max_conns", int64(l.MaxConns)}, {"max_conns_per_peer", int64(l.MaxConnsPerPeer)},
		{"memory_budget", l.MemoryBudget}, {"max_bodies", int64(l.MaxBodies)},
		{"read_header_timeout", int64(l.ReadHeaderTimeout)}, {"body_timeout", int64(l.BodyTimeout)},
		{"body_stall_timeout", int64(l.BodyStallTimeout)},
		{"call_timeout", int64(l.CallTimeout)}, {"write_timeout", int64(l.WriteTimeout)},
		{"write_stall_timeout", int64(l.WriteStallTimeout)},
		{"idle_timeout", int64(l.IdleTimeout)}, {"shutdown_timeout", int64(l.ShutdownTimeout)},
	} {
		if f.n <= 0 {
			v.bad("limits."+f.name, "want a positive value: limits stay on")
		}
	}
	if !(l.PeerShare >= 0 && l.PeerShare <= 1) {
		v.bad("limits.peer_share", "want a share between 0 and 1 (0 or 1: no per-peer limit)")
	}
	if l.CallTimeout > 0 && l.WriteTimeout > 0 && l.CallTimeout >= l.WriteTimeout {
		v.bad("limits.call_timeout", "want less than write_timeout (%v), so that a late call is answered", l.WriteTimeout)
	}
}

func (v *verifier) pools() {
	if len(v.c.Pools) == 0 {
		v.bad("pools", "want at least one pool")
	}
	for _, name := range sortedNames(v.c.Pools) {
		p := v.c.Pools[name]
		path := "pools." + name
		if !validName(name) {
			v.bad(path, "pool name %q: want letters, digits, _ and -", name)
		}
		if p == nil {
			v.bad(path, "want a pool with backends")
			continue
		}
		v.pool(path, p)
	}
}

func (v *verifier) pool(path string, p *Pool) {
	switch r := p.Registry; {
	case r != nil && len(p.Backends) > 0:
		v.bad(path+".registry", "want backends or a registry, not both")
	case r != nil:
		if !strings.HasPrefix(r.NATS, "nats://") && !strings.HasPrefix(r.NATS, "tls://") {
			v.bad(path+".registry.nats", "want a NATS URL such as nats://127.0.0.1:4222, got %q", r.NATS)
		}
		if r.Service == "" {
			v.bad(path+".registry.service", "want the name of the announced service")
		}
	case len(p.Backends) == 0:
		v.bad(path+".backends", "want at least one backend, such as {url: http://127.0.0.1:8000/RPC2}, or a registry")
	}
	seen := map[string]bool{}
	for i, b := range p.Backends {
		bp := fmt.Sprintf("%s.backends[%d]", path, i)
		if err := checkBackendURL(b.URL); err != nil {
			v.bad(bp+".url", "%v", err)
		} else if seen[b.URL] {
			v.bad(bp+".url", "%s is listed twice", b.URL)
		}
		seen[b.URL] = true
		if b.Weight < 0 {
			v.bad(bp+".weight", "want 0 or more, got %d", b.Weight)
		}
	}
	if p.Protocol != "" && p.Protocol != "xmlrpc" && p.Protocol != "jsonrpc" {
		v.bad(path+".protocol", "want xmlrpc, jsonrpc or nothing (as the caller sends), got %q", p.Protocol)
	}
	if !slices.Contains(cluster.Policies(), p.Policy) {
		v.bad(path+".policy", "unknown policy %q; want one of %s", p.Policy, strings.Join(cluster.Policies(), ", "))
	}
	for i, pat := range p.Idempotent {
		if _, err := compilePattern(pat); err != nil {
			v.bad(fmt.Sprintf("%s.idempotent[%d]", path, i), "%v", err)
		}
	}
	if p.MaxInFlight <= 0 {
		v.bad(path+".max_in_flight", "want a positive limit of calls in flight, got %d", p.MaxInFlight)
	}
	if p.RetryAfter <= 0 {
		v.bad(path+".retry_after", "want a positive duration")
	}
	if !slices.Contains(cluster.Policies(), p.Policy) {
		return // cluster.VerifyConfig would say it again
	}
	if cc, err := p.clusterConfig(); err != nil {
		v.bad(path, "%v", err)
	} else if err := cluster.VerifyConfig(cc); err != nil {
		var ce *cluster.ConfigError
		if errors.As(err, &ce) {
			v.bad(path+"."+snake(ce.Field), "%s", ce.Reason)
		} else {
			v.bad(path, "%v", err)
		}
	}
}

// checkBackendURL accepts http://, https:// and unix:// URLs with a host or a socket path.
func checkBackendURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("want http://host:port/path, https://... or unix:///path/to.sock, got %q", s)
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return fmt.Errorf("want a host in %q", s)
		}
	case "unix":
		if u.Path == "" {
			return fmt.Errorf("want a socket path in %q, such as unix:///run/app.sock", s)
		}
	default:
		return fmt.Errorf("want http://, https:// or unix:// URL, got %q", s)
	}
	return nil
}

func (v *verifier) routes() {
	if len(v.c.Routes) == 0 {
		v.bad("routes", "want at least one route, such as {pool: NAME}")
	}
	names := map[string]bool{}
	for i, r := range v.c.Routes {
		path := fmt.Sprintf("routes[%d]", i)
		name := routeName(r, i)
		if names[name] {
			v.bad(path+".name", "route %q is named twice", name)
		}
		names[name] = true
		if _, ok := v.c.Pools[r.Pool]; !ok {
			v.bad(path+".pool", "no pool %q; want one of %s", r.Pool, strings.Join(sortedNames(v.c.Pools), ", "))
		}
		if r.Protocol != "" && r.Protocol != "xmlrpc" && r.Protocol != "jsonrpc" {
			v.bad(path+".protocol", "want xmlrpc, jsonrpc or nothing for both, got %q", r.Protocol)
		}
		for j, pat := range r.Methods {
			if _, err := compilePattern(pat); err != nil {
				v.bad(fmt.Sprintf("%s.methods[%d]", path, j), "%v", err)
			}
		}
		for j, p := range r.Paths {
			if !strings.HasPrefix(p, "/") {
				v.bad(fmt.Sprintf("%s.paths[%d]", path, j), "want a path starting with /, got %q", p)
			}
		}
	}
}

func routeName(r Route, i int) string {
	if r.Name != "" {
		return r.Name
	}
	return fmt.Sprintf("route%d", i)
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
			return false
		}
	}
	return true
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// snake turns cluster's field path "Retry.BudgetRatio" into the file's "retry.budget_ratio".
func snake(field string) string {
	var b strings.Builder
	for i, r := range field {
		if unicode.IsUpper(r) {
			if i > 0 && field[i-1] != '.' {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
