package natsrpc

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/rpc"
)

func init() {
	broker.RegisterScheme("nats", dialURL)
}

// dialURL is the DialFunc of the "nats" scheme: the URL's host (and user) with the default
// config; its path and query are the caller's (a command's topic), not the transport's.
func dialURL(ctx context.Context, u *url.URL) (broker.Transport, error) {
	cfg := DefaultConfig()
	cfg.URL = (&url.URL{Scheme: u.Scheme, Host: u.Host, User: u.User}).String()
	return Dial(ctx, cfg)
}

// Transport is a broker.Transport over a NATS connection: calls are requests on a subject per
// target, servers of a topic share a queue group, a server has a subject of its own, fanouts
// reach every server, and durable casts go through a JetStream work-queue stream. It is safe
// for concurrent use.
type Transport struct {
	nc    *nats.Conn
	js    jetstream.JetStream
	cfg   Config
	names names
	owned bool

	subjects    sync.Map // broker.Target to its send subject (subjectOf)
	nSubjects   atomic.Int64
	lastSubject atomic.Pointer[sentSubject]
	lastTimeout atomic.Pointer[formattedTimeout] // timeoutText

	mu      sync.Mutex
	streams map[string]bool // exchanges whose streams exist
	closed  bool
	lc      *nats.Conn // the listeners' connection, made by the first Listen
	ljs     jetstream.JetStream
	ran     ranSet // durable casts run here
	lists   map[*listener]struct{}
}

// Dial connects to cfg.URL (nil cfg: DefaultConfig) and returns a Transport that owns the
// connection. ctx bounds the connection attempt.
func Dial(ctx context.Context, cfg *Config) (*Transport, error) {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	if err := cfg.Verify(); err != nil {
		return nil, err
	}
	opts := []nats.Option{
		nats.Name(cfg.Name),
		nats.MaxReconnects(cfg.MaxReconnects),
		nats.ReconnectWait(cfg.ReconnectWait),
		nats.Timeout(cfg.ConnectTimeout),
		nats.RetryOnFailedConnect(false),
	}
	opts = append(opts, cfg.Options...)
	type result struct {
		nc  *nats.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		nc, err := nats.Connect(cfg.URL, opts...)
		ch <- result{nc, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, &broker.TransportError{Op: "connect", Err: fmt.Errorf("natsrpc: %s: %w", redact(cfg.URL), r.err)}
		}
		return newTransport(r.nc, cfg, true)
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.nc != nil {
				r.nc.Close()
			}
		}()
		return nil, &broker.TransportError{Op: "connect", Err: fmt.Errorf("natsrpc: %s: %w", redact(cfg.URL), ctx.Err())}
	}
}

// New returns a Transport over nc, an open connection it does not own (Close leaves it open).
func New(nc *nats.Conn, cfg *Config) (*Transport, error) {
	if nc == nil {
		return nil, fmt.Errorf("%w: natsrpc: nil connection", broker.ErrInvalidConfig)
	}
	if cfg == nil {
		cfg = DefaultConfig()
	}
	if err := cfg.Verify(); err != nil {
		return nil, err
	}
	return newTransport(nc, cfg, false)
}

func newTransport(nc *nats.Conn, cfg *Config, owned bool) (*Transport, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		if owned {
			nc.Close()
		}
		return nil, fmt.Errorf("natsrpc: %w", err)
	}
	return &Transport{nc: nc, js: js, cfg: *cfg, names: names{cfg.Prefix, cfg.Exchange}, owned: owned,
		streams: map[string]bool{}, lists: map[*listener]struct{}{}}, nil
}

// redact hides the password of a URL list for errors.
func redact(urls string) string {
	u, err := url.Parse(urls)
	if err != nil || u.User == nil {
		return urls
	}
	return u.Redacted()
}

// Conn returns the NATS connection.
func (t *Transport) Conn() *nats.Conn { return t.nc }

// Close closes the listeners' connection, and the main one when the transport owns it; calls
// in progress fail.
func (t *Transport) Close() error {
	t.mu.Lock()
	t.closed = true
	lc := t.lc
	lists := t.lists
	t.lists = nil
	t.mu.Unlock()
	if lc != nil {
		lc.Close()
	}
	for l := range lists { // their subscriptions closed with lc: the workers may end
		l.closeMsgs()
	}
	if t.owned {
		t.nc.Close()
	}
	return nil
}

// track adds l to the listeners Close ends, or reports false when the transport is closed.
func (t *Transport) track(l *listener) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.lists[l] = struct{}{}
	return true
}

// untrack removes l, stopped.
func (t *Transport) untrack(l *listener) {
	t.mu.Lock()
	delete(t.lists, l)
	t.mu.Unlock()
}

// listenConn returns the connection the listeners subscribe and answer on, opened with the
// main connection's options by the first Listen, so that a transport that both serves and calls
// keeps its servers' traffic off its callers' connection.
func (t *Transport) listenConn() (*nats.Conn, jetstream.JetStream, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, nil, broker.ErrClosed
	}
	if t.lc != nil {
		return t.lc, t.ljs, nil
	}
	opts := t.nc.Opts
	opts.Name += "-listen"
	lc, err := opts.Connect()
	if err != nil {
		return nil, nil, err
	}
	ljs, err := jetstream.New(lc)
	if err != nil {
		lc.Close()
		return nil, nil, err
	}
	t.lc, t.ljs = lc, ljs
	return lc, ljs, nil
}

// Call sends m as a request on the subject of target and appends the answer to dst. See
// broker.Transport for its errors: NATS's "no responders" is a *broker.NoServerError.
func (t *Transport) Call(ctx context.Context, target broker.Target, m *broker.Message, dst []byte) ([]byte, error) {
	if target.Fanout {
		return dst, fmt.Errorf("%w: a call cannot fan out", broker.ErrUnsupported)
	}
	o, err := t.getOutMsg(t.subjectOf(target), m)
	if err != nil {
		return dst, &broker.TransportError{Op: "call", Target: target, Method: m.Method, Err: err}
	}
	resp, err := t.request(ctx, &o.msg, m.Timeout)
	putOutMsg(o)
	if err == nil {
		err = rpc.Late(ctx) // a late answer is the caller's timeout, as over HTTP
	}
	if err != nil {
		return dst, t.fail("call", target, m.Method, err)
	}
	return append(dst, resp.Data...), nil
}

// request sends msg and waits for its answer until ctx ends or timeout (when positive) passes.
// A context nothing can cancel but its bound (context.Background, as most callers pass) is
// waited on with nats.go's pooled timer: no context, timer or channel is made for the call.
func (t *Transport) request(ctx context.Context, msg *nats.Msg, timeout time.Duration) (*nats.Msg, error) {
	if timeout > 0 {
		if ctx.Done() == nil {
			return t.nc.RequestMsg(msg, timeout)
		}
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > timeout {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
	}
	return t.nc.RequestMsgWithContext(ctx, msg)
}

// subjectOf is names.sendSubject(target), kept for the first maxSubjects targets asked for:
// a client sends every call of its target to the same subject, built once. The last one found
// is looked at first, which spares a busy client's calls the map's hashing.
func (t *Transport) subjectOf(target broker.Target) string {
	if last := t.lastSubject.Load(); last != nil && last.target == target {
		return last.subject
	}
	if s, ok := t.subjects.Load(target); ok {
		t.lastSubject.Store(&sentSubject{target, s.(string)})
		return s.(string)
	}
	s := t.names.sendSubject(target)
	if t.nSubjects.Load() < maxSubjects {
		if _, had := t.subjects.LoadOrStore(target, s); !had {
			t.nSubjects.Add(1)
		}
	}
	return s
}

// sentSubject is a target and its send subject.
type sentSubject struct {
	target  broker.Target
	subject string
}

// maxSubjects bounds the subjects a Transport keeps (subjectOf).
const maxSubjects = 1024

// Cast publishes m to target (its queue group, its server, or every server for a fanout)
// without waiting for a server; a durable cast is stored in the exchange's work-queue stream
// first (see Durable casts in the package documentation). A plain cast nobody serves is
// dropped by NATS unseen.
func (t *Transport) Cast(ctx context.Context, target broker.Target, m *broker.Message) error {
	if m.Durable {
		return t.castDurable(ctx, target, m)
	}
	o, err := t.getOutMsg(t.subjectOf(target), m)
	if err != nil {
		return &broker.TransportError{Op: "cast", Target: target, Method: m.Method, Err: err}
	}
	err = t.nc.PublishMsg(&o.msg)
	putOutMsg(o)
	if err != nil {
		return t.fail("cast", target, m.Method, err)
	}
	return nil
}

// natsMsg builds the NATS message of m on subject.
func (t *Transport) natsMsg(subject string, m *broker.Message) (*nats.Msg, error) {
	h, err := t.header(m)
	if err != nil {
		return nil, err
	}
	return &nats.Msg{Subject: subject, Header: h, Data: m.Body}, nil
}

// fail maps a nats.go error of op to the broker's errors.
func (t *Transport) fail(op string, target broker.Target, method string, err error) error {
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return &broker.NoServerError{Target: target, Method: method}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		return &broker.TimeoutError{Target: target, Method: method}
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrConnectionDraining):
		return &broker.TransportError{Op: op, Target: target, Method: method, Err: fmt.Errorf("%w: %w", broker.ErrClosed, err)}
	case errors.Is(err, nats.ErrMaxPayload), errors.Is(err, nats.ErrBadSubject), errors.Is(err, nats.ErrInvalidMsg):
		return &broker.TransportError{Op: op, Target: target, Method: method, Err: err}
	}
	return &broker.TransportError{Op: op, Target: target, Method: method, Sent: true, Err: err}
}
