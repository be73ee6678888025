package state

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/election"
	"github.com/harp-rpc/harp/registry"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// Service is one instance of the shared-state service: an election candidate that, while
// master, serves the key-value methods from the bucket, and as a standby refuses them with
// election.CodeNotMaster. It is safe for concurrent use.
type Service struct {
	cfg    *Config
	st     *store
	el     *election.Election
	w      *writer
	closed atomic.Bool
}

// New opens (or creates) cfg.Bucket on the JetStream of nc and starts campaigning for its
// master role. cfg nil means DefaultConfig(); cfg.ID "" picks registry.NewID().
func New(ctx context.Context, nc *nats.Conn, cfg *Config) (*Service, error) {
	if ctx == nil {
		return nil, errors.New("state: nil Context")
	}
	if cfg == nil {
		cfg = DefaultConfig()
	}
	c := *cfg
	if c.ID == "" {
		c.ID = registry.NewID()
	}
	if err := VerifyConfig(&c); err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	st, err := openStore(ctx, nc, js, &c)
	if err != nil {
		return nil, err
	}
	el, err := election.New(ctx, js, c.Group, c.ID, c.electionConfig())
	if err != nil {
		return nil, err
	}
	return &Service{cfg: &c, st: st, el: el, w: newWriter(&c, st, el)}, nil
}

// Election returns the service's election: its Status tells whether this instance is master.
func (s *Service) Election() *election.Election { return s.el }

// Config returns a copy of the service's configuration, with its ID filled in.
func (s *Service) Config() Config { return *s.cfg }

// Close resigns the master role (a standby takes over at once), refuses the writes still queued
// (unapplied) and stops.
func (s *Service) Close(ctx context.Context) error {
	if s.closed.Swap(true) {
		return nil
	}
	err := s.el.Close(ctx)
	s.w.close()
	return err
}

// Stats are a Service's counters since it started.
type Stats struct {
	Batches   int64 `xmlrpc:"batches" json:"batches"`     // atomic batches committed
	Writes    int64 `xmlrpc:"writes" json:"writes"`       // writes applied by them
	Deduped   int64 `xmlrpc:"deduped" json:"deduped"`     // retries answered from an idempotency record
	Fenced    int64 `xmlrpc:"fenced" json:"fenced"`       // batches the store refused for a newer term
	Uncertain int64 `xmlrpc:"uncertain" json:"uncertain"` // batches the store did not confirm in time
	Raced     int64 `xmlrpc:"raced" json:"raced"`         // batches refused for a race, then retried
}

// Stats returns the service's counters.
func (s *Service) Stats() Stats {
	st := &s.w.stats
	return Stats{
		Batches: st.batches.Load(), Writes: st.ops.Load(), Deduped: st.deduped.Load(),
		Fenced: st.fenced.Load(), Uncertain: st.uncertain.Load(), Raced: st.raced.Load(),
	}
}

// Abandon stops the instance as a crash would: the master's lease is left to expire.
func (s *Service) Abandon() {
	if s.closed.Swap(true) {
		return
	}
	s.el.Abandon()
	s.w.close()
}

// master returns nil while the instance may serve, else the fault a standby answers.
func (s *Service) master() error {
	if s.closed.Load() {
		return &election.NotMasterError{Group: s.cfg.Group}
	}
	if !s.el.IsMaster() {
		return s.el.NotMaster()
	}
	return nil
}

// Register registers the service's methods on reg: get, entry, set, delete, incr, cas and
// keys, each under prefix (e.g. "" or "state.").
func (s *Service) Register(reg *rpc.Registry, prefix string) error {
	for _, m := range []struct {
		name string
		fn   any
		help string
	}{
		{"get", s.get, "get(key[, default]): the key's value; the default, or fault -32020, when it is missing."},
		{"entry", s.entry, "entry(key): {exists, value, revision} of the key; revision 0 when it is missing."},
		{"set", s.set, "set(key, value[, {id, ttl}]): store value (any XML-RPC value) under key; returns the new revision. ttl in seconds expires the key; a retry with the same id is not applied twice."},
		{"delete", s.delete, "delete(key[, {id}]): remove key; returns whether it existed."},
		{"incr", s.incr, "incr(key[, delta[, {id, ttl}]]): add delta (default 1) to the integer under key (0 when missing); returns the new value. A retry with the same id is not applied twice."},
		{"cas", s.cas, "cas(key, revision, value[, {id, ttl}]): store value only if the key's revision is revision (0: only if missing); returns the new revision, or fault -32021."},
		{"keys", s.keys, "keys([prefix]): the keys that begin with prefix, sorted, at most the service's limit."},
	} {
		if err := reg.Register(prefix+m.name, m.fn, m.help); err != nil {
			return fmt.Errorf("state: register %s%s: %w", prefix, m.name, err)
		}
	}
	return nil
}

// decodeValue turns a stored <value> back into a Go value.
func decodeValue(b []byte) (any, error) {
	var v any
	if err := xmlrpc.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("state: stored value unreadable: %w", err)
	}
	return v, nil
}

// encodeValue encodes v for storage, within the size limit.
func (s *Service) encodeValue(key string, v any) ([]byte, error) {
	b, err := xmlrpc.Marshal(v)
	if err != nil {
		return nil, faultf(CodeInvalid, "value of %s cannot be stored: %v", key, err)
	}
	if len(b) > s.cfg.MaxValueSize {
		return nil, faultf(CodeInvalid, "value of %s is %d bytes encoded, over the %d-byte limit", key, len(b), s.cfg.MaxValueSize)
	}
	return b, nil
}

func (s *Service) read(ctx context.Context, key string) (entry, error) {
	if err := s.master(); err != nil {
		return entry{}, err
	}
	if err := checkKey(key, s.cfg.MaxKeyLen); err != nil {
		return entry{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.OpTimeout)
	defer cancel()
	return s.st.last(ctx, dataPrefix+key)
}

func (s *Service) get(ctx context.Context, key string, def ...any) (any, error) {
	if len(def) > 1 {
		return nil, faultf(CodeInvalid, "get takes a key and at most one default")
	}
	e, err := s.read(ctx, key)
	if err != nil {
		return nil, err
	}
	if !e.exists {
		if len(def) == 1 {
			return def[0], nil
		}
		return nil, faultf(CodeNotFound, "no key %s", key)
	}
	return decodeValue(e.value)
}

// Entry is what the entry method answers.
type Entry struct {
	Exists   bool  `xmlrpc:"exists" json:"exists"`
	Value    any   `xmlrpc:"value" json:"value"`
	Revision int64 `xmlrpc:"revision" json:"revision"`
}

func (s *Service) entry(ctx context.Context, key string) (Entry, error) {
	e, err := s.read(ctx, key)
	if err != nil || !e.exists {
		return Entry{Value: ""}, err
	}
	v, err := decodeValue(e.value)
	return Entry{Exists: true, Value: v, Revision: int64(e.rev)}, err
}

// write validates and submits one write.
func (s *Service) write(ctx context.Context, o *op, rest []any) (any, error) {
	if err := s.master(); err != nil {
		return nil, err
	}
	if err := checkKey(o.key, s.cfg.MaxKeyLen); err != nil {
		return nil, err
	}
	if len(rest) > 1 {
		return nil, faultf(CodeInvalid, "%s: too many parameters", opNames[o.kind])
	}
	if len(rest) == 1 {
		opts, err := parseOptions(rest[0], s.cfg.MaxTTL)
		if err != nil {
			return nil, err
		}
		if o.kind == opDelete && opts.TTL > 0 {
			return nil, faultf(CodeInvalid, "delete takes no ttl")
		}
		o.opts = opts
	}
	return s.w.submit(ctx, o)
}

func (s *Service) set(ctx context.Context, key string, value any, rest ...any) (any, error) {
	b, err := s.encodeValue(key, value)
	if err != nil {
		return nil, err
	}
	return s.write(ctx, &op{kind: opSet, key: key, value: b}, rest)
}

func (s *Service) delete(ctx context.Context, key string, rest ...any) (any, error) {
	return s.write(ctx, &op{kind: opDelete, key: key}, rest)
}

func (s *Service) incr(ctx context.Context, key string, rest ...any) (any, error) {
	o := &op{kind: opIncr, key: key, delta: 1}
	if len(rest) > 0 {
		if _, isOpts := rest[0].(map[string]any); !isOpts {
			d, err := integer(rest[0])
			if err != nil {
				return nil, faultf(CodeInvalid, "incr: delta %v", err)
			}
			o.delta, rest = d, rest[1:]
		}
	}
	return s.write(ctx, o, rest)
}

func (s *Service) cas(ctx context.Context, key string, revision int64, value any, rest ...any) (any, error) {
	if revision < 0 {
		return nil, faultf(CodeInvalid, "cas: negative revision")
	}
	b, err := s.encodeValue(key, value)
	if err != nil {
		return nil, err
	}
	return s.write(ctx, &op{kind: opCAS, key: key, value: b, expect: uint64(revision)}, rest)
}

func (s *Service) keys(ctx context.Context, prefix ...string) ([]string, error) {
	if err := s.master(); err != nil {
		return nil, err
	}
	if len(prefix) > 1 {
		return nil, faultf(CodeInvalid, "keys takes at most one prefix")
	}
	p := ""
	if len(prefix) == 1 {
		p = prefix[0]
	}
	if err := checkPrefix(p, s.cfg.MaxKeyLen); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.OpTimeout)
	defer cancel()
	filter := dataPrefix + ">"
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		filter = dataPrefix + p[:i+1] + ">" // whole tokens narrow the store's own filter
	}
	kl, err := s.st.kv.ListKeysFiltered(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("state: keys %q: %w", p, err)
	}
	defer kl.Stop()
	out := []string{}
	for k := range kl.Keys() {
		k = strings.TrimPrefix(k, dataPrefix)
		if !strings.HasPrefix(k, p) {
			continue
		}
		if len(out) == s.cfg.MaxKeys {
			return nil, faultf(CodeInvalid, "keys %q: more than %d keys; use a longer prefix", p, s.cfg.MaxKeys)
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return out, ctx.Err()
}
