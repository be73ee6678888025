package cluster

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a manual clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// transportErr is a failure shaped like the client's transport errors.
type transportErr struct {
	notSent, timeout bool
	status           int
}

func (e *transportErr) Error() string   { return "transport failure" }
func (e *transportErr) NotSent() bool   { return e.notSent }
func (e *transportErr) Timeout() bool   { return e.timeout }
func (e *transportErr) StatusCode() int { return e.status }

var (
	errNotSent = &transportErr{notSent: true}
	errTimeout = &transportErr{timeout: true}
	err500     = &transportErr{status: 500}
)

// appFault is an application fault, shaped like *xmlrpc.Fault.
type appFault struct{ code int }

func (f *appFault) Error() string  { return "fault" }
func (f *appFault) FaultCode() int { return f.code }

type callFunc func(ctx context.Context, method string, reply any, args []any) error

// fakeCaller is an in-process endpoint whose behaviour a test switches.
type fakeCaller struct {
	url    string
	mu     sync.Mutex
	fn     callFunc
	calls  atomic.Int64
	closed atomic.Bool
}

func (f *fakeCaller) Call(ctx context.Context, method string, reply any, args ...any) error {
	if f.closed.Load() {
		panic("call on a closed Caller: " + f.url)
	}
	f.calls.Add(1)
	f.mu.Lock()
	fn := f.fn
	f.mu.Unlock()
	if fn == nil {
		if p, ok := reply.(*string); ok {
			*p = f.url
		}
		return nil
	}
	return fn(ctx, method, reply, args)
}

func (f *fakeCaller) Close() error { f.closed.Store(true); return nil }

func (f *fakeCaller) set(fn callFunc) { f.mu.Lock(); f.fn = fn; f.mu.Unlock() }

func fail(err error) callFunc {
	return func(context.Context, string, any, []any) error { return err }
}

// testConfig is DefaultConfig without backoff waits, slow start or random jitter in retries.
func testConfig(policy string) *Config {
	c := DefaultConfig()
	c.Policy = policy
	c.Retry.BaseBackoff, c.Retry.MaxBackoff = 0, 0
	c.Retry.BudgetReserve, c.Retry.BudgetMax = 1000, 1000 // budget tests set their own
	c.SlowStart = 0
	return c
}

type harness struct {
	t       *testing.T
	c       *Cluster
	clk     *clock
	callers map[string]*fakeCaller
	events  <-chan Event
}

// newHarness builds a cluster over endpoints named by urls (a "!" suffix marks a backup), with
// a manual clock, a seeded random source and no background goroutines.
func newHarness(t *testing.T, cfg *Config, urls ...string) *harness {
	t.Helper()
	h := &harness{t: t, clk: &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, callers: map[string]*fakeCaller{}}
	var eps []Endpoint
	for _, u := range urls {
		ep := Endpoint{URL: u}
		if u[len(u)-1] == '!' {
			ep.URL, ep.Backup = u[:len(u)-1], true
		}
		eps = append(eps, ep)
	}
	var mu sync.Mutex
	factory := func(ep Endpoint) (Caller, error) {
		mu.Lock()
		defer mu.Unlock()
		f := &fakeCaller{url: ep.URL}
		h.callers[ep.URL] = f
		return f, nil
	}
	c, err := newCluster(context.Background(), Static(eps), factory, cfg, internals{now: h.clk.now, rnd: &seqRand{s: 1}})
	if err != nil {
		t.Fatal(err)
	}
	h.c = c
	h.events, _ = c.Subscribe()
	t.Cleanup(func() { c.Close() })
	return h
}

// call makes one call and returns the URL that answered (the fake callers write their URL).
func (h *harness) call(method string, args ...any) (string, error) {
	var got string
	err := h.c.Call(context.Background(), method, &got, args...)
	return got, err
}

func (h *harness) state(url string) State {
	for _, s := range h.c.Stats().Endpoints {
		if s.Endpoint.URL == url {
			return s.State
		}
	}
	return StateRemoved
}

// nextEvent returns the next buffered event, failing when none is buffered.
func (h *harness) nextEvent() Event {
	h.t.Helper()
	select {
	case e := <-h.events:
		return e
	default:
		h.t.Fatal("no event")
		return Event{}
	}
}

func (h *harness) member(url string) *EndpointState {
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	return h.c.byURL[url]
}
