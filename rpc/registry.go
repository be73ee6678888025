package rpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// Registry maps method names to registered Go functions and dispatches calls to them. It is safe
// for concurrent use; calls never take a lock.
type Registry struct {
	cfg     Config
	mu      sync.Mutex                  // serialises registration
	methods atomic.Pointer[methodTable] // immutable snapshot, replaced on registration
}

type methodTable struct {
	byName  map[string]*Method
	sorted  []*Method // by name
	version uint64
}

// NewRegistry returns a registry with the built-in system.* methods, configured by cfg (nil means
// DefaultConfig()). It returns an error wrapping ErrInvalidConfig if VerifyConfig refuses cfg.
func NewRegistry(cfg *Config) (*Registry, error) {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	if err := VerifyConfig(cfg); err != nil {
		return nil, err
	}
	r := &Registry{cfg: *cfg}
	t := &methodTable{byName: make(map[string]*Method)}
	for _, m := range builtins() {
		t.byName[m.name] = m
	}
	t.sort()
	r.methods.Store(t)
	return r, nil
}

// Config returns a copy of the registry's configuration.
func (r *Registry) Config() Config { return r.cfg }

func (r *Registry) logger() *slog.Logger {
	if r.cfg.Logger != nil {
		return r.cfg.Logger
	}
	return slog.Default()
}

func (t *methodTable) sort() {
	t.sorted = t.sorted[:0]
	for _, m := range t.byName {
		t.sorted = append(t.sorted, m)
	}
	sort.Slice(t.sorted, func(i, j int) bool { return t.sorted[i].name < t.sorted[j].name })
}

// Register registers fn, a function or a Func (made by Func0 to Func3), under name with a help
// text. The name may contain dots
// ("math.add"); it is matched exactly, never resolved further. It returns an error wrapping
// ErrInvalidName, ErrReserved, ErrDuplicate or ErrUnsupported.
func (r *Registry) Register(name string, fn any, help string) error {
	if err := checkName(name); err != nil {
		return err
	}
	m, err := newMethod(name, fn, help)
	if err != nil {
		return err
	}
	return r.add([]*Method{m})
}

// MustRegister is Register for set-up code: it panics on error.
func (r *Registry) MustRegister(name string, fn any, help string) {
	if err := r.Register(name, fn, help); err != nil {
		panic(err)
	}
}

// HelpProvider is implemented by values given to RegisterValue that document their methods.
// RPCHelp receives the Go method name and returns its help text. RPCHelp itself is not registered.
type HelpProvider interface {
	RPCHelp(goMethod string) string
}

// RegisterValue registers every exported method of v (with its receiver bound) under
// prefix + "." + the method's name with its first letters lower-cased ("Add" becomes "add", "GetState"
// "getState", "HTTPGet" "httpGet"); an empty prefix registers the bare names. RegisterValueNamed
// chooses another naming (as written, snake_case). Only those methods
// become callable: fields, nested values and unexported methods stay unreachable. Help texts come
// from v's RPCHelp method when it has one. Either every method is registered or, on error, none.
func (r *Registry) RegisterValue(prefix string, v any) error {
	return r.registerValue(prefix, v, LowerCamel)
}

func (r *Registry) registerValue(prefix string, v any, naming Naming) error {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return fmt.Errorf("%w: RegisterValue(nil)", ErrUnsupported)
	}
	hp, _ := v.(HelpProvider)
	rt := rv.Type()
	var ms []*Method
	for i := 0; i < rt.NumMethod(); i++ {
		gm := rt.Method(i)
		if !gm.IsExported() || (hp != nil && gm.Name == "RPCHelp") {
			continue
		}
		name := naming.Name(gm.Name)
		if prefix != "" {
			name = prefix + "." + name
		}
		if err := checkName(name); err != nil {
			return err
		}
		help := ""
		if hp != nil {
			help = hp.RPCHelp(gm.Name)
		}
		m, err := methodOf(name, rv.Method(i), help)
		if err != nil {
			return err
		}
		ms = append(ms, m)
	}
	if len(ms) == 0 {
		return fmt.Errorf("%w: %T has no exported methods", ErrUnsupported, v)
	}
	return r.add(ms)
}

// lowerFirst lower-cases the leading upper-case run of a Go name, keeping the last capital of an
// acronym that starts the next word: Add -> add, GetState -> getState, HTTPGet -> httpGet, ID -> id.
func lowerFirst(s string) string {
	rs := []rune(s)
	n := 0
	for n < len(rs) && unicode.IsUpper(rs[n]) {
		n++
	}
	if n > 1 && n < len(rs) {
		n-- // the last capital starts the next word
	}
	for i := 0; i < n; i++ {
		rs[i] = unicode.ToLower(rs[i])
	}
	return string(rs)
}

func checkName(name string) error {
	if name == "" || !utf8.ValidString(name) || strings.IndexFunc(name, func(c rune) bool {
		return unicode.IsSpace(c) || unicode.IsControl(c)
	}) >= 0 {
		return fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	if strings.HasPrefix(name, "system.") {
		return fmt.Errorf("%w: %q", ErrReserved, name)
	}
	return nil
}

// add publishes ms in a new snapshot of the table, atomically: all or none.
func (r *Registry) add(ms []*Method) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.methods.Load()
	t := &methodTable{byName: make(map[string]*Method, len(old.byName)+len(ms)), version: old.version + 1}
	for k, m := range old.byName {
		t.byName[k] = m
	}
	for _, m := range ms {
		if _, dup := t.byName[m.name]; dup {
			return fmt.Errorf("%w: %q", ErrDuplicate, m.name)
		}
		t.byName[m.name] = m
	}
	t.sort()
	r.methods.Store(t)
	return nil
}

// Lookup returns the method registered under name, built-in methods included.
func (r *Registry) Lookup(name string) (*Method, bool) {
	m, ok := r.methods.Load().byName[name]
	return m, ok
}

// Methods returns every method, built-in ones included, sorted by name.
func (r *Registry) Methods() []*Method {
	return append([]*Method(nil), r.methods.Load().sorted...)
}

// Version returns a number that changes whenever a method is registered, so that callers can cache
// what they derive from Methods (a documentation page, say).
func (r *Registry) Version() uint64 { return r.methods.Load().version }

// Call runs the method name with the parameters ps (nil means none). p describes the calling wire format for the
// built-in methods; nil means Go type names and no value conversion. It returns the method's
// result, or an error: an *Error for an unknown method (CodeMethodNotFound), wrong parameters
// (CodeInvalidParams) or a panic (CodeInternalError), or the handler's own error unchanged (see
// Translate for how to report it).
func (r *Registry) Call(ctx context.Context, p *Protocol, name string, ps Params) (any, error) {
	m, ok := r.methods.Load().byName[name]
	if !ok {
		return nil, &Error{Code: CodeMethodNotFound, Message: "method not found: " + quoteName(name)}
	}
	if ps == nil {
		ps = noParams{}
	}
	return m.call(ctx, r, p, ps)
}

// noParams stands for a nil Params: a call without parameters.
type noParams struct{}

func (noParams) NumParams() int             { return 0 }
func (noParams) DecodeParam(int, any) error { return errors.New("rpc: no parameters") }

// quoteName quotes a client-supplied name for a message, cut short so a hostile name cannot bloat it.
func quoteName(name string) string {
	const max = 100
	if len(name) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut] + "..."
	}
	return fmt.Sprintf("%q", name)
}
