package fleet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/harp-rpc/harp/internal/yamlpos"
)

// Limits of a fleet file.
const (
	MaxFileSize = 1 << 20 // bytes
	MaxHosts    = 10000
)

// FileError is a problem in a fleet file, at a line and column (1-based). For a YAML syntax
// error, whose parser names only the line, Column is where that line's text begins.
type FileError struct {
	File   string
	Line   int
	Column int
	Msg    string
}

// Error returns "file:line:column: message".
func (e *FileError) Error() string {
	if e.Column == 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// Host is one supervisord of a fleet.
type Host struct {
	Name     string
	URL      string // http://, https:// or unix:///path.sock
	Username string
	Password string        // from the file, or from the variable password_env names
	Timeout  time.Duration // per call to this host; DefaultHostTimeout when the file gives none
	// Health is where a rollout checks the service itself after a batch: an http(s) URL that must
	// answer 2xx to a GET, or, with HealthMethod, an XML-RPC (JSON-RPC with HealthJSONRPC)
	// server whose method must answer without a fault. "" means no check.
	Health        string
	HealthMethod  string
	HealthJSONRPC bool
	// CA is a PEM file of the certificate authorities an https:// host is verified against
	// (the system's roots when "").
	CA     string
	Groups []string // the groups (roles) the host is in, in file order
	Line   int      // where the host is defined
}

// DefaultHostTimeout bounds each call to a host whose entry gives no timeout.
const DefaultHostTimeout = 10 * time.Second

// Fleet is a parsed fleet file: hosts in file order and groups of them.
type Fleet struct {
	File   string
	Hosts  []*Host
	Groups map[string][]*Host // by group name, hosts in file order
}

// fileDoc is the typed shape of a fleet file, decoded with KnownFields(true).
type fileDoc struct {
	Defaults hostDoc             `yaml:"defaults"`
	Hosts    map[string]hostDoc  `yaml:"hosts"`
	Groups   map[string][]string `yaml:"groups"`
}

type hostDoc struct {
	URL           string `yaml:"url"`
	Username      string `yaml:"username"`
	Password      string `yaml:"password"`
	PasswordEnv   string `yaml:"password_env"`
	Timeout       string `yaml:"timeout"`
	Health        string `yaml:"health"`
	HealthMethod  string `yaml:"health_method"`
	HealthJSONRPC bool   `yaml:"health_jsonrpc"`
	CA            string `yaml:"ca"`
}

var (
	topKeys  = []string{"defaults", "hosts", "groups"}
	hostKeys = []string{"url", "username", "password", "password_env", "timeout", "health", "health_method", "health_jsonrpc", "ca"}
	nameRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// Load reads and parses the fleet file at path.
func Load(path string) (*Fleet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("fleet: %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse parses a fleet file's contents; file names it in errors. Every error is a *FileError
// (several are joined with errors.Join).
func Parse(file string, data []byte) (*Fleet, error) {
	if len(data) > MaxFileSize {
		return nil, &FileError{File: file, Line: 1, Column: 1, Msg: fmt.Sprintf("larger than %d bytes", MaxFileSize)}
	}
	p := &parser{file: file, data: data}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, p.syntaxError(err)
	}
	fl := p.walk(&doc)
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	// The walk checked every key and value; the typed decode with KnownFields(true) is the
	// second, independent check that nothing unknown got through.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var typed fileDoc
	if err := dec.Decode(&typed); err != nil {
		return nil, p.syntaxError(err)
	}
	return fl, nil
}

type parser struct {
	file string
	data []byte
	errs []error
}

func (p *parser) errorf(n *yaml.Node, format string, a ...any) {
	p.errs = append(p.errs, &FileError{File: p.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, a...)})
}

// syntaxError turns a yaml error into a FileError at the line it names, and at the column where
// that line's text begins (see yamlpos.Syntax: the parser reports no column).
func (p *parser) syntaxError(err error) error {
	line, col, msg := yamlpos.Syntax(p.data, err)
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	return &FileError{File: p.file, Line: line, Column: col, Msg: msg}
}

// walk checks the document and builds the Fleet.
func (p *parser) walk(doc *yaml.Node) *Fleet {
	fl := &Fleet{File: p.file, Groups: map[string][]*Host{}}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		n := doc
		if len(doc.Content) == 1 {
			n = doc.Content[0]
		}
		if n.Line == 0 {
			n = &yaml.Node{Line: 1, Column: 1}
		}
		p.errorf(n, "a fleet file is a mapping with hosts (and optional defaults and groups)")
		return fl
	}
	top := p.mapping(doc.Content[0], topKeys)
	defaults := &Host{Timeout: DefaultHostTimeout}
	if n, ok := top["defaults"]; ok {
		p.host(n.value, defaults, true)
	}
	hosts, ok := top["hosts"]
	if !ok {
		p.errorf(doc.Content[0], "no hosts")
		return fl
	}
	p.hosts(hosts.value, defaults, fl)
	if g, ok := top["groups"]; ok {
		p.groups(g.value, fl)
	}
	return fl
}

type entry struct{ key, value *yaml.Node }

// mapping checks that n is a mapping of the allowed keys, each once, and returns its entries.
func (p *parser) mapping(n *yaml.Node, allowed []string) map[string]entry {
	out := map[string]entry{}
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "want a mapping with keys %s", strings.Join(allowed, ", "))
		return out
	}
	var merged []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch {
		case k.Value == "<<" && k.Tag == "!!merge":
			merged = append(merged, v)
		case allowed != nil && !contains(allowed, k.Value):
			p.errorf(k, "unknown key %q (want one of %s)", k.Value, strings.Join(allowed, ", "))
		case out[k.Value].key != nil:
			p.errorf(k, "%q given twice (first at line %d)", k.Value, out[k.Value].key.Line)
		default:
			out[k.Value] = entry{k, v}
		}
	}
	// A merge key (<<: *anchor) gives the keys the mapping does not give itself.
	for _, m := range merged {
		for key, e := range p.mapping(m, allowed) {
			if _, ok := out[key]; !ok {
				out[key] = e
			}
		}
	}
	return out
}

// resolve follows an alias (*anchor) to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// hosts reads the hosts mapping in file order.
func (p *parser) hosts(n *yaml.Node, defaults *Host, fl *Fleet) {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		p.errorf(n, "hosts: want a mapping of host names to their url and credentials")
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		if len(fl.Hosts) >= MaxHosts {
			p.errorf(k, "more than %d hosts", MaxHosts)
			return
		}
		if !nameRE.MatchString(k.Value) {
			p.errorf(k, "host name %q: want letters, digits, '.', '_' and '-'", k.Value)
			continue
		}
		if line, dup := seen[k.Value]; dup {
			p.errorf(k, "host %q given twice (first at line %d)", k.Value, line)
			continue
		}
		seen[k.Value] = k.Line
		h := *defaults
		h.Name, h.Line, h.URL = k.Value, k.Line, ""
		p.host(v, &h, false)
		fl.Hosts = append(fl.Hosts, &h)
	}
}

// host reads one host's (or the defaults') fields into h.
func (p *parser) host(n *yaml.Node, h *Host, isDefaults bool) {
	m := p.mapping(n, hostKeys)
	str := func(key string, dst *string) {
		if e, ok := m[key]; ok {
			if e.value.Kind != yaml.ScalarNode || e.value.Tag == "!!null" {
				p.errorf(e.value, "%s: want a string", key)
				return
			}
			*dst = e.value.Value
		}
	}
	str("username", &h.Username)
	str("password", &h.Password)
	str("health", &h.Health)
	str("health_method", &h.HealthMethod)
	str("ca", &h.CA)
	if e, ok := m["ca"]; ok && h.CA != "" {
		if _, err := os.Stat(h.CA); err != nil {
			p.errorf(e.value, "ca: %v", err)
		}
	}
	if e, ok := m["health_jsonrpc"]; ok {
		if err := e.value.Decode(&h.HealthJSONRPC); err != nil {
			p.errorf(e.value, "health_jsonrpc: want true or false")
		}
	}
	var env, timeout string
	str("password_env", &env)
	if env != "" {
		if _, both := m["password"]; both {
			p.errorf(m["password_env"].key, "give password or password_env, not both")
		}
		v, ok := os.LookupEnv(env)
		if !ok {
			p.errorf(m["password_env"].value, "password_env: the variable %s is not set", env)
		}
		h.Password = v
	}
	str("timeout", &timeout)
	if timeout != "" {
		d, err := time.ParseDuration(timeout)
		if err != nil || d <= 0 {
			p.errorf(m["timeout"].value, "timeout: want a positive duration such as 5s, not %q", timeout)
		}
		h.Timeout = d
	}
	p.checkURLs(m, h, isDefaults)
}

// checkURLs checks the host's url and health URL.
func (p *parser) checkURLs(m map[string]entry, h *Host, isDefaults bool) {
	if e, ok := m["url"]; ok {
		if isDefaults {
			p.errorf(e.key, "url belongs to each host, not to defaults")
			return
		}
		h.URL = e.value.Value
		u, err := url.Parse(h.URL)
		switch {
		case e.value.Kind != yaml.ScalarNode || err != nil:
			p.errorf(e.value, "url: not a URL")
		case u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "unix":
			p.errorf(e.value, "url %q: want http://, https:// or unix:///path.sock", h.URL)
		case u.Scheme == "unix" && !strings.HasPrefix(u.Path, "/"):
			p.errorf(e.value, "url %q: a unix socket needs an absolute path, as unix:///run/supervisor.sock", h.URL)
		}
	} else if !isDefaults {
		p.errorf(&yaml.Node{Line: h.Line, Column: 3}, "host %q: no url", h.Name)
	}
	if e, ok := m["health"]; ok {
		u, err := url.Parse(h.Health)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "unix"):
			p.errorf(e.value, "health %q: want an http://, https:// or unix:// URL", h.Health)
		case u.Scheme == "unix" && h.HealthMethod == "":
			p.errorf(e.value, "health %q: a unix socket is checked by an RPC call: give health_method too", h.Health)
		}
	}
}

// groups reads the groups mapping: each a list of host names.
func (p *parser) groups(n *yaml.Node, fl *Fleet) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "groups: want a mapping of group names to lists of hosts")
		return
	}
	byName := map[string]*Host{}
	for _, h := range fl.Hosts {
		byName[h.Name] = h
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch {
		case !nameRE.MatchString(k.Value) || k.Value == "all":
			p.errorf(k, "group name %q: want letters, digits, '.', '_' and '-', and not \"all\"", k.Value)
			continue
		case byName[k.Value] != nil:
			p.errorf(k, "group %q has the name of a host (line %d)", k.Value, byName[k.Value].Line)
			continue
		case fl.Groups[k.Value] != nil:
			p.errorf(k, "group %q given twice", k.Value)
			continue
		case v.Kind != yaml.SequenceNode:
			p.errorf(v, "group %q: want a list of host names", k.Value)
			continue
		}
		members := []*Host{}
		for _, m := range v.Content {
			m = resolve(m)
			h := byName[m.Value]
			if m.Kind != yaml.ScalarNode || h == nil {
				p.errorf(m, "group %q: no host %q", k.Value, m.Value)
				continue
			}
			if !contains(h.Groups, k.Value) {
				h.Groups = append(h.Groups, k.Value)
				members = append(members, h)
			}
		}
		fl.Groups[k.Value] = members
	}
}
