package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/rpc"
)

// shapeCaller is an in-process endpoint of every shape: each shape's answer names the endpoint,
// and runs counts the executions of every shape, so a test sees whether anything ran twice.
type shapeCaller struct {
	fakeCaller
	fail  func(ctx context.Context) error // nil answers at once
	after func()                          // called once the answer is written, when not nil
	runs  atomic.Int64
}

func (s *shapeCaller) written() {
	s.mu.Lock()
	f := s.after
	s.mu.Unlock()
	if f != nil {
		f()
	}
}

func (s *shapeCaller) behave(ctx context.Context) error {
	s.runs.Add(1)
	s.mu.Lock()
	f := s.fail
	s.mu.Unlock()
	if f == nil {
		return nil
	}
	return f(ctx)
}

func (s *shapeCaller) setFail(f func(ctx context.Context) error) {
	s.mu.Lock()
	s.fail = f
	s.mu.Unlock()
}

func (s *shapeCaller) CallNamed(ctx context.Context, method string, reply any, params any) error {
	if err := s.behave(ctx); err != nil {
		return err
	}
	if p, ok := reply.(*string); ok {
		*p = s.url + ":" + fmt.Sprint(params)
	}
	s.written()
	return nil
}

func (s *shapeCaller) answerAll(ctx context.Context, calls []*rpc.Call) error {
	if err := s.behave(ctx); err != nil {
		return err
	}
	for i, c := range calls {
		if p, ok := c.Reply.(*string); ok {
			*p = s.url
		}
		c.Err = nil
		if c.Method == "faulty" {
			c.Err = &appFault{code: i}
		}
	}
	s.written()
	return nil
}

func (s *shapeCaller) Batch(ctx context.Context, calls ...*rpc.Call) error {
	return s.answerAll(ctx, calls)
}

func (s *shapeCaller) MultiCall(ctx context.Context, calls ...*rpc.Call) error {
	return s.answerAll(ctx, calls)
}

func (s *shapeCaller) RoundTrip(ctx context.Context, req *rpc.Request, dst []byte) ([]byte, error) {
	if err := s.behave(ctx); err != nil {
		return dst, err
	}
	dst = append(dst, s.url+":"+string(req.Body)...)
	s.written()
	return dst, nil
}

type shapeHarness struct {
	c       *Cluster
	callers map[string]*shapeCaller
	plain   map[string]*fakeCaller
}

// newShapeHarness builds a cluster over urls whose Callers implement every shape, except the
// urls with a "-" prefix, whose Callers have only Call.
func newShapeHarness(t *testing.T, cfg *Config, urls ...string) *shapeHarness {
	t.Helper()
	h := &shapeHarness{callers: map[string]*shapeCaller{}, plain: map[string]*fakeCaller{}}
	var eps []Endpoint
	for _, u := range urls {
		eps = append(eps, Endpoint{URL: u})
	}
	var mu sync.Mutex
	factory := func(ep Endpoint) (Caller, error) {
		mu.Lock()
		defer mu.Unlock()
		if ep.URL[0] == '-' {
			f := &fakeCaller{url: ep.URL}
			h.plain[ep.URL] = f
			return f, nil
		}
		s := &shapeCaller{fakeCaller: fakeCaller{url: ep.URL}}
		h.callers[ep.URL] = s
		return s, nil
	}
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c, err := newCluster(context.Background(), Static(eps), factory, cfg, internals{now: clk.now, rnd: &seqRand{s: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	h.c = c
	return h
}

// runs returns the executions of every shape on every endpoint.
func (h *shapeHarness) runs() int64 {
	var n int64
	for _, s := range h.callers {
		n += s.runs.Load()
	}
	return n
}

func (h *shapeHarness) stats(url string) EndpointStats {
	for _, s := range h.c.Stats().Endpoints {
		if s.Endpoint.URL == url {
			return s
		}
	}
	return EndpointStats{}
}

// shapeCase makes one call of a shape and returns the URL that answered it.
type shapeCase struct {
	name string
	call func(c *Cluster) (string, error)
}

// shapeCases calls each shape with method m (the batch's entries are m, then m2).
func shapeCases(m, m2 string) []shapeCase {
	return []shapeCase{
		{"named", func(c *Cluster) (string, error) {
			var got string
			if err := c.CallNamed(context.Background(), m, &got, map[string]int{"x": 1}); err != nil {
				return "", err
			}
			url, ok := strings.CutSuffix(got, ":map[x:1]")
			if !ok {
				return "", fmt.Errorf("named reply %q lost the params", got)
			}
			return url, nil
		}},
		{"batch", func(c *Cluster) (string, error) { return batchURL(c.Batch, m, m2) }},
		{"multicall", func(c *Cluster) (string, error) { return batchURL(c.MultiCall, m, m2) }},
		{"raw", func(c *Cluster) (string, error) {
			dst := []byte("prefix|")
			out, err := c.RoundTrip(context.Background(), &rpc.Request{Protocol: "jsonrpc", Method: m, Body: []byte("body")}, dst)
			if err != nil {
				if string(out) != "prefix|" {
					return "", fmt.Errorf("failed RoundTrip returned %q, not dst", out)
				}
				return "", err
			}
			s := string(out)
			if len(s) < len("prefix|:body") || s[:7] != "prefix|" || s[len(s)-5:] != ":body" {
				return "", fmt.Errorf("raw answer %q", s)
			}
			return s[7 : len(s)-5], nil
		}},
	}
}

func batchURL(send func(context.Context, ...*rpc.Call) error, m, m2 string) (string, error) {
	var a, b string
	calls := []*rpc.Call{rpc.NewCall(m, &a, 1), rpc.NewCall(m2, &b, 2)}
	if err := send(context.Background(), calls...); err != nil {
		return "", err
	}
	if a != b || calls[0].Err != nil || calls[1].Err != nil {
		return "", fmt.Errorf("batch entries answered by %q and %q: %v %v", a, b, calls[0].Err, calls[1].Err)
	}
	return a, nil
}

func TestShapesPolicyPick(t *testing.T) {
	for _, sc := range shapeCases("m", "m") {
		h := newShapeHarness(t, testConfig("round_robin"), "a", "b", "c")
		var trail []string
		for range 6 {
			got, err := sc.call(h.c)
			if err != nil {
				t.Fatalf("%s: %v", sc.name, err)
			}
			trail = append(trail, got)
		}
		if fmt.Sprint(trail) != "[a b c a b c]" {
			t.Fatalf("%s: round_robin answered by %v", sc.name, trail)
		}
	}
}

func TestShapesHashKey(t *testing.T) {
	ctx := context.Background()
	named := func(p any) uint64 {
		o := operation{shape: shapeNamed, method: "get", params: p}
		return o.hashKey(ctx, 0)
	}
	if named(map[string]int{"id": 1}) != named(map[string]int{"id": 1}) || named(map[string]int{"id": 1}) == named(map[string]int{"id": 2}) {
		t.Fatal("named params: equal params must hash alike, different ones apart")
	}
	if o := (operation{shape: shapeNamed, method: "get", params: 1}); o.hashKey(ctx, -1) != hashString("get") {
		t.Fatal("named params with HashParam -1 must hash the method alone")
	}
	batch := operation{shape: shapeBatch, method: "batch", calls: []*rpc.Call{rpc.NewCall("get", nil, "user-1"), rpc.NewCall("put", nil, "x")}}
	if batch.hashKey(ctx, 0) != hashKey(ctx, "get", 0, []any{"user-1"}) {
		t.Fatal("a batch must hash as its first call")
	}
	raw := operation{shape: shapeRaw, method: "get", req: &rpc.Request{Method: "get", Body: []byte("user-1")}}
	if raw.hashKey(ctx, 0) != hashString("get") || raw.hashKey(WithHashKey(ctx, "k"), 0) != hashString("k") {
		t.Fatal("a raw body must hash its method alone, or the context's key")
	}

	// through a consistent_hash cluster: the same key, the same endpoint, for every shape
	h := newShapeHarness(t, testConfig("consistent_hash"), "a", "b", "c", "d")
	for _, sc := range shapeCases("m", "m") {
		first, err := sc.call(h.c)
		for range 5 {
			got, err2 := sc.call(h.c)
			if err != nil || err2 != nil || got != first {
				t.Fatalf("%s: %q then %q: %v %v", sc.name, first, got, err, err2)
			}
		}
	}
}

func TestShapesFailoverNotSent(t *testing.T) {
	for _, sc := range shapeCases("m", "m") {
		h := newShapeHarness(t, testConfig("first_available"), "a", "b")
		h.callers["a"].setFail(func(context.Context) error { return errNotSent })
		got, err := sc.call(h.c)
		if err != nil || got != "b" {
			t.Fatalf("%s: %q %v", sc.name, got, err)
		}
		if st := h.stats("a"); st.Failures != 1 {
			t.Fatalf("%s: a's not-sent failure counted %d times", sc.name, st.Failures)
		}
	}
}

func TestShapesAtMostOnce(t *testing.T) {
	cfg := testConfig("first_available")
	cfg.Methods = map[string]MethodConfig{"idem": {Idempotent: true}}
	// a batch with one non-idempotent entry, and a raw batch, are not idempotent
	for _, sc := range append(shapeCases("once", "once"), shapeCases("idem", "once")[1:3]...) {
		h := newShapeHarness(t, cfg, "a", "b", "c")
		h.callers["a"].setFail(func(context.Context) error { return errTimeout })
		_, err := sc.call(h.c)
		var ce *CallError
		if !errors.As(err, &ce) || ce.Reason != reasonNotIdempotent {
			t.Fatalf("%s: %v", sc.name, err)
		}
		if n := h.runs(); n != 1 {
			t.Fatalf("%s: a non-idempotent call ran %d times", sc.name, n)
		}
	}
	for _, method := range []string{"batch", "system.multicall"} {
		h := newShapeHarness(t, cfg, "a", "b")
		h.callers["a"].setFail(func(context.Context) error { return errTimeout })
		_, err := h.c.RoundTrip(context.Background(), &rpc.Request{Method: method, Body: []byte("[...]")}, nil)
		if err == nil || h.runs() != 1 {
			t.Fatalf("raw %s: ran %d times: %v", method, h.runs(), err)
		}
	}
}

func TestShapesIdempotentRetry(t *testing.T) {
	cfg := testConfig("first_available")
	cfg.Methods = map[string]MethodConfig{"idem": {Idempotent: true}, "idem2": {Idempotent: true}}
	for _, sc := range shapeCases("idem", "idem2") {
		h := newShapeHarness(t, cfg, "a", "b")
		h.callers["a"].setFail(func(context.Context) error { return err500 })
		got, err := sc.call(h.c)
		if err != nil || got != "b" || h.runs() != 2 {
			t.Fatalf("%s: %q %v after %d runs", sc.name, got, err, h.runs())
		}
	}
	// a raw batch is idempotent when configured so
	cfg.Methods["batch"] = MethodConfig{Idempotent: true}
	h := newShapeHarness(t, cfg, "a", "b")
	h.callers["a"].setFail(func(context.Context) error { return errTimeout })
	out, err := h.c.RoundTrip(context.Background(), &rpc.Request{Method: "batch", Body: []byte("[]")}, nil)
	if err != nil || string(out) != "b:[]" {
		t.Fatalf("raw batch declared idempotent: %q %v", out, err)
	}
}

func TestShapesFaultIsAnswer(t *testing.T) {
	cfg := testConfig("first_available")
	cfg.Methods = map[string]MethodConfig{"idem": {Idempotent: true}}
	for _, sc := range shapeCases("idem", "idem")[:3] { // a raw fault is a body: see below
		h := newShapeHarness(t, cfg, "a", "b")
		fault := &appFault{code: 4}
		h.callers["a"].setFail(func(context.Context) error { return fault })
		_, err := sc.call(h.c)
		if err != fault || h.runs() != 1 {
			t.Fatalf("%s: %v after %d runs", sc.name, err, h.runs())
		}
		if st := h.stats("a"); st.Faults != 1 || st.Failures != 0 {
			t.Fatalf("%s: fault counted as %+v", sc.name, st)
		}
	}
	// one entry's fault is that entry's answer: the batch succeeded
	h := newShapeHarness(t, cfg, "a", "b")
	calls := []*rpc.Call{rpc.NewCall("idem", nil), rpc.NewCall("faulty", nil)}
	if err := h.c.Batch(context.Background(), calls...); err != nil || calls[0].Err != nil || Classify(context.Background(), calls[1].Err) != OutcomeFault || h.runs() != 1 {
		t.Fatalf("batch with a faulty entry: %v %v %v, %d runs", err, calls[0].Err, calls[1].Err, h.runs())
	}
}

func TestShapesUnsupported(t *testing.T) {
	for _, mode := range []Mode{ModeFailover, ModeFailfast, ModeForking} {
		cfg := testConfig("round_robin")
		cfg.Mode = mode
		cfg.Outlier.ConsecutiveFailures = 1
		cfg.Breaker.Threshold = 1
		h := newShapeHarness(t, cfg, "-a", "b")
		for _, sc := range shapeCases("m", "m") {
			for range 4 {
				got, err := sc.call(h.c)
				if err != nil || got != "b" {
					t.Fatalf("%s %s: %q %v", mode, sc.name, got, err)
				}
			}
		}
		st := h.stats("-a")
		if st.State != StateHealthy || st.Failures != 0 || st.Calls != 0 || h.plain["-a"].calls.Load() != 0 {
			t.Fatalf("%s: the endpoint lacking the shapes was harmed: %+v", mode, st)
		}
		if h.c.Stats().Retries != 0 {
			t.Fatalf("%s: skipping an unsupporting endpoint counted as a retry", mode)
		}
		// Call still reaches it
		for range 2 {
			if err := h.c.Call(context.Background(), "m", nil); err != nil {
				t.Fatalf("%s: plain call: %v", mode, err)
			}
		}
		if h.plain["-a"].calls.Load() == 0 {
			t.Fatalf("%s: plain calls never reached the endpoint lacking the shapes", mode)
		}
	}

	// no endpoint supports the shape: a typed error, nothing sent
	h := newShapeHarness(t, testConfig("round_robin"), "-a", "-b")
	for _, sc := range shapeCases("m", "m") {
		_, err := sc.call(h.c)
		var ce *CallError
		var ue *UnsupportedError
		if !errors.As(err, &ce) || !ce.NotSent() || len(ce.Attempts) != 2 || !errors.As(err, &ue) || !errors.Is(err, ErrUnsupported) {
			t.Fatalf("%s: %v", sc.name, err)
		}
		if ue.Shape != sc.name || ue.Caller != "*cluster.fakeCaller" {
			t.Fatalf("%s: %+v", sc.name, ue)
		}
	}
	for _, url := range []string{"-a", "-b"} {
		if st := h.stats(url); st.State != StateHealthy || st.Failures != 0 {
			t.Fatalf("%s harmed: %+v", url, st)
		}
	}

	// broadcast: the unsupporting endpoint's result says so, the others answer
	cfg := testConfig("round_robin")
	cfg.Mode = ModeBroadcast
	h = newShapeHarness(t, cfg, "-a", "b")
	var be *BroadcastError
	if err := h.c.Batch(context.Background(), rpc.NewCall("m", nil)); !errors.As(err, &be) || !errors.Is(be.Results[0].Err, ErrUnsupported) || be.Results[1].Err != nil {
		t.Fatalf("broadcast batch: %v", err)
	}
	if err := h.c.Batch(context.Background(), nil); !errors.Is(err, ErrNilCall) {
		t.Fatalf("nil entry: %v", err)
	}
	if _, err := h.c.RoundTrip(context.Background(), nil, nil); !errors.Is(err, ErrNilCall) {
		t.Fatalf("nil request: %v", err)
	}
}

// TestShapesHedge: both copies run at once; the slow loser keeps writing after the call
// returned, into its own replies, never the caller's (the race detector checks).
func TestShapesHedge(t *testing.T) {
	cfg := testConfig("first_available")
	cfg.Mode = ModeForking
	cfg.Hedge = HedgeConfig{Delay: 0, MaxAttempts: 2}
	for _, sc := range shapeCases("m", "m") {
		h := newShapeHarness(t, cfg, "a", "b")
		release := make(chan struct{})
		var loserDone sync.WaitGroup
		loserDone.Add(1)
		h.callers["a"].setFail(func(context.Context) error {
			<-release // answers only after b won, ignoring the cancellation
			defer loserDone.Done()
			return nil
		})
		got, err := sc.call(h.c)
		close(release)
		loserDone.Wait()
		if err != nil || got != "b" {
			t.Fatalf("%s: %q %v", sc.name, got, err)
		}
		if h.runs() != 2 {
			t.Fatalf("%s: %d copies ran, want 2", sc.name, h.runs())
		}
	}
	// The answers are the winner's, entry by entry, and the raw buffer is dst's; the loser,
	// answering after the call returned, leaves them alone.
	h := newShapeHarness(t, cfg, "a", "b")
	release := make(chan struct{}, 1)
	written := make(chan struct{}, 1)
	h.callers["a"].setFail(func(context.Context) error { <-release; return nil })
	h.callers["a"].after = func() { written <- struct{}{} }
	loser := func() {
		release <- struct{}{}
		<-written
	}
	var x, y, named string
	calls := []*rpc.Call{rpc.NewCall("m", &x), rpc.NewCall("faulty", &y)}
	if err := h.c.Batch(context.Background(), calls...); err != nil {
		t.Fatal(err)
	}
	loser()
	if x != "b" || y != "b" || calls[0].Err != nil || calls[1].Err == nil {
		t.Fatalf("hedged batch: %q %q %v %v", x, y, calls[0].Err, calls[1].Err)
	}
	if err := h.c.CallNamed(context.Background(), "m", &named, 7); err != nil {
		t.Fatal(err)
	}
	loser()
	if named != "b:7" {
		t.Fatalf("hedged named call: %q", named)
	}
	dst := make([]byte, 2, 64)
	copy(dst, "p|")
	out, err := h.c.RoundTrip(context.Background(), &rpc.Request{Method: "m", Body: []byte("q")}, dst)
	loser()
	if err != nil || string(out) != "p|b:q" || &out[0] != &dst[0] {
		t.Fatalf("hedged raw: %q %v", out, err)
	}
}

func TestShapesBroadcast(t *testing.T) {
	cfg := testConfig("round_robin")
	cfg.Methods = map[string]MethodConfig{
		"m": {Mode: ModeBroadcast}, "batch": {Mode: ModeBroadcast}, "system.multicall": {Mode: ModeBroadcast},
	}
	for _, sc := range shapeCases("m", "m") {
		h := newShapeHarness(t, cfg, "a", "b", "c")
		got, err := sc.call(h.c)
		if err != nil || got != "a" {
			t.Fatalf("%s: %q %v", sc.name, got, err)
		}
		for url, s := range h.callers {
			if s.runs.Load() != 1 {
				t.Fatalf("%s: %s ran %d times", sc.name, url, s.runs.Load())
			}
		}
		h.callers["b"].setFail(func(context.Context) error { return err500 })
		_, err = sc.call(h.c)
		var be *BroadcastError
		if !errors.As(err, &be) || len(be.Results) != 3 || be.Results[1].Err != err500 || be.Results[0].Err != nil {
			t.Fatalf("%s with b failing: %v", sc.name, err)
		}
		if sc.name == "batch" || sc.name == "multicall" {
			entries, ok := be.Results[2].Reply.([]*rpc.Call)
			if !ok || len(entries) != 2 || *entries[0].Reply.(*string) != "c" {
				t.Fatalf("%s: broadcast result reply %#v", sc.name, be.Results[2].Reply)
			}
		}
		if sc.name == "raw" {
			if b, ok := be.Results[2].Reply.([]byte); !ok || string(b) != "c:body" {
				t.Fatalf("raw broadcast result reply %#v", be.Results[2].Reply)
			}
		}
	}
}
