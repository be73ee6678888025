package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/gateway"
	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// twoPools is a gateway with pool a (user.* calls) and pool b (everything else).
func twoPools(t *testing.T, a, b *backend, extra string) *running {
	return startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
admin: {address: ADMIN, reload: true}
pools:
  a:
    backends: [{url: %q}]
    health: {method: none}
%s
  b:
    backends: [{url: %q}]
    health: {method: none}
routes:
  - {name: users, methods: ["user.*"], pool: a}
  - {name: rest, pool: b}
`, a.url, extra, b.url), nil)
}

func newClient(t testing.TB, url string, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRouteByMethod(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	gw := twoPools(t, a, b, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, opts := range [][]client.Option{nil, {client.WithJSONRPC()}} {
		c := newClient(t, gw.url, opts...)
		var who string
		if err := c.Call(ctx, "user.whoami", &who); err != nil || who != "a" {
			t.Errorf("user.whoami: %q, %v; want a", who, err)
		}
		if err := c.Call(ctx, "whoami", &who); err != nil || who != "b" {
			t.Errorf("whoami: %q, %v; want b", who, err)
		}
		var sum int
		if err := c.Call(ctx, "add", &sum, 2, 3); err != nil || sum != 5 {
			t.Errorf("add: %d, %v", sum, err)
		}
	}
}

func TestFaultIsAnAnswer(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	gw := twoPools(t, a, b, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := newClient(t, gw.url).Call(ctx, "fail", nil)
	var f *xmlrpc.Fault
	if !errors.As(err, &f) || f.Code != 42 {
		t.Fatalf("fail: %v, want fault 42", err)
	}
	err = newClient(t, gw.url, client.WithJSONRPC()).Call(ctx, "fail", nil)
	var je *jsonrpc.Error
	if !errors.As(err, &je) || je.Code != 42 {
		t.Fatalf("fail over JSON-RPC: %v, want error 42", err)
	}
	if n := b.calls.Load(); n != 2 {
		t.Errorf("backend ran fail %d times, want 2 (a fault is never retried)", n)
	}
	st := gw.gw.Status()
	for _, p := range st.Pools {
		if p.Name == "b" && (p.Backends[0].Calls != 2 || p.Backends[0].Failures != 0 || p.Backends[0].State != "healthy") {
			t.Errorf("pool b backend: %+v; want 2 calls, 0 failures, healthy", p.Backends[0])
		}
	}
}

func TestNoRoute(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
pools:
  a: {backends: [{url: %q}], health: {method: none}}
routes: [{methods: [whoami], pool: a}]
`, a.url), nil)
	_ = b
	ctx := context.Background()
	err := newClient(t, gw.url).Call(ctx, "add", nil, 1, 2)
	var f *xmlrpc.Fault
	if !errors.As(err, &f) || f.Code != -32601 || !strings.Contains(f.String, `no route for method "add"`) {
		t.Fatalf("add: %v; want method not found", err)
	}
	if a.calls.Load() != 0 {
		t.Error("an unrouted call reached a backend")
	}
}

// A backend that is down (connection refused) is failed over even for a method not declared
// idempotent: the call provably never ran there.
func TestFailoverNotSent(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	dead := newBackend(t, "dead")
	dead.close()
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
pools:
  p:
    backends: [{url: %q}, {url: %q}, {url: %q}]
    health: {method: none}
routes: [{pool: p}]
`, dead.url, a.url, b.url), nil)
	c := newClient(t, gw.url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 30 {
		var sum int
		if err := c.Call(ctx, "add", &sum, i, 1); err != nil || sum != i+1 {
			t.Fatalf("call %d: %d, %v", i, sum, err)
		}
	}
	if n := a.calls.Load() + b.calls.Load(); n != 30 {
		t.Errorf("backends ran %d calls, want 30", n)
	}
}

// A backend that drops the connection after running a call that is not idempotent: the caller
// gets a 502 naming the cause, not a silent close, and the call ran exactly once.
func TestDropNotRetried(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
pools:
  p:
    backends: [{url: %q}, {url: %q}]
    health: {method: none}
routes: [{pool: p}]
`, a.url, b.url), nil)
	body := `<?xml version="1.0"?><methodCall><methodName>drop</methodName><params></params></methodCall>`
	resp, err := http.Post(gw.url, "text/xml", strings.NewReader(body))
	if err != nil {
		t.Fatalf("the gateway closed the connection: %v", err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(got), "backend failed") {
		t.Errorf("status %d body %s; want 502 naming the failure", resp.StatusCode, got)
	}
	if n := a.calls.Load() + b.calls.Load(); n != 1 {
		t.Errorf("drop ran %d times, want exactly 1", n)
	}
}

// A declared-idempotent method is retried after the same failure.
func TestDropIdempotentRetried(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
pools:
  p:
    backends: [{url: %q}, {url: %q}]
    health: {method: none}
    idempotent: ["dr*"]
    retry: {max_attempts: 2}
    outlier: {consecutive_failures: 0, failure_rate: 0}
    breaker: {threshold: 0}
routes: [{pool: p}]
`, a.url, b.url), nil)
	body := `<?xml version="1.0"?><methodCall><methodName>drop</methodName><params></params></methodCall>`
	resp, err := http.Post(gw.url, "text/xml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := a.calls.Load() + b.calls.Load(); n != 2 {
		t.Errorf("idempotent drop ran %d times, want 2 (retried once)", n)
	}
}

func TestMalformedNotForwarded(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	gw := twoPools(t, a, b, "")
	for _, tc := range []struct{ ct, body string }{
		{"text/xml", `<?xml version="1.0"?><methodCall><methodName>add</methodName><params><param><value><int>1</int></value></param>`},
		{"text/xml", `<!DOCTYPE x [<!ENTITY a "b">]><methodCall><methodName>add</methodName></methodCall>`},
		{"text/xml", strings.Repeat("<value><array><data>", 200)},
		{"application/json", `{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1`},
		{"application/json", `{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1,"id":2}`},
	} {
		resp, err := http.Post(gw.url, tc.ct, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(got), "-32700") && !strings.Contains(string(got), "-32600") {
			t.Errorf("%.40s: %d %s; want a parse error", tc.body, resp.StatusCode, got)
		}
	}
	big := strings.Repeat(" ", 17<<20)
	resp, err := http.Post(gw.url, "text/xml", strings.NewReader(big))
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("17 MiB body: %d, want 413", resp.StatusCode)
		}
	}
	if n := a.calls.Load() + b.calls.Load(); n != 0 {
		t.Errorf("%d malformed calls reached a backend", n)
	}
}

// Calls beyond a pool's max_in_flight are answered at once with 503, Retry-After and a fault
// (or error object), never queued.
func TestOverload(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	gw := twoPools(t, a, b, "    max_in_flight: 2\n    retry_after: 3s")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := newClient(t, gw.url)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var who string
			if err := c.Call(ctx, "user.slow", &who); err != nil || who != "a" {
				t.Errorf("user.slow: %q, %v", who, err)
			}
		}()
	}
	defer wg.Wait()
	defer close(a.gate)
	waitFor(t, 5*time.Second, func() bool { return poolOf(gw, "a").InFlight == 2 })
	for _, tc := range []struct{ ct, body, want string }{
		{"text/xml", `<?xml version="1.0"?><methodCall><methodName>user.whoami</methodName></methodCall>`, "<int>-32000</int>"},
		{"application/json", `{"jsonrpc":"2.0","method":"user.whoami","id":7}`, `"code":-32000`},
	} {
		start := time.Now()
		resp, err := http.Post(gw.url, tc.ct, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if el := time.Since(start); el > time.Second {
			t.Errorf("the overload answer took %v", el)
		}
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "3" ||
			!strings.Contains(string(got), tc.want) || !strings.Contains(string(got), "overloaded") {
			t.Errorf("%s: %d Retry-After %q %s", tc.ct, resp.StatusCode, resp.Header.Get("Retry-After"), got)
		}
		if tc.ct == "application/json" && !strings.Contains(string(got), `"id":7`) {
			t.Errorf("the error object lost the id: %s", got)
		}
	}
	// The other pool is not affected.
	var who string
	if err := c.Call(ctx, "whoami", &who); err != nil || who != "b" {
		t.Errorf("whoami on pool b: %q, %v", who, err)
	}
	if n := poolOf(gw, "a").Overloads; n != 2 {
		t.Errorf("overloads %d, want 2", n)
	}
}

func waitFor(t testing.TB, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func poolOf(r *running, name string) gateway.PoolStatus {
	for _, p := range r.gw.Status().Pools {
		if p.Name == name {
			return p
		}
	}
	return gateway.PoolStatus{}
}

// syncBuf is a strings.Builder safe for a logger and the test reading it.
type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The access log: one slog line per request with its method, route, pool, outcome and id.
func TestAccessLog(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	var logs syncBuf
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
pools:
  a: {backends: [{url: %q}], health: {method: none}}
  b: {backends: [{url: %q}], health: {method: none}}
routes:
  - {name: users, methods: ["user.*"], pool: a}
  - {name: rest, pool: b}
`, a.url, b.url), &gateway.Options{AccessLog: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c := newClient(t, gw.url)
	c.Call(rpc.WithRequestID(context.Background(), "log-1"), "user.whoami", nil)
	c.Call(context.Background(), "fail", nil)
	waitFor(t, 5*time.Second, func() bool { return strings.Count(logs.String(), "gateway: call") == 2 })
	out := logs.String()
	for _, want := range []string{
		"method=user.whoami proto=xmlrpc route=users pool=a outcome=ok", "request_id=log-1",
		"method=fail proto=xmlrpc route=rest pool=b outcome=fault", "request_id=gw-",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("access log lacks %q:\n%s", want, out)
		}
	}
}

// Routes by path, by glob and by protocol; a path no route names is 404.
func TestRouteByPathGlobProtocol(t *testing.T) {
	a, b, j := newBackend(t, "a"), newBackend(t, "b"), newBackend(t, "j")
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
pools:
  a: {backends: [{url: %q}], health: {method: none}}
  b: {backends: [{url: %q}], health: {method: none}}
  j: {backends: [{url: %q}], health: {method: none}}
routes:
  - {paths: [/json], protocol: jsonrpc, pool: j}
  - {paths: [/RPC2], methods: ["who?mi", "user.who*"], pool: a}
  - {paths: [/RPC2, /other], pool: b}
`, a.url, b.url, j.url), nil)
	base := strings.TrimSuffix(gw.url, "/RPC2")
	ctx := context.Background()
	for _, tc := range []struct {
		path, method, want string
		json               bool
	}{
		{"/RPC2", "whoami", "a", false},
		{"/RPC2", "user.whoami", "a", true},
		{"/other", "whoami", "b", false},
		{"/json", "whoami", "j", true},
	} {
		var opts []client.Option
		if tc.json {
			opts = append(opts, client.WithJSONRPC())
		}
		var who string
		if err := newClient(t, base+tc.path, opts...).Call(ctx, tc.method, &who); err != nil || who != tc.want {
			t.Errorf("%s %s (json %v): %q %v; want %s", tc.path, tc.method, tc.json, who, err, tc.want)
		}
	}
	// XML-RPC on /json: no route takes it.
	if err := newClient(t, base+"/json").Call(ctx, "whoami", nil); err == nil || !strings.Contains(err.Error(), "no route") {
		t.Errorf("XML-RPC on /json: %v", err)
	}
	resp, err := http.Post(base+"/nowhere", "text/xml", strings.NewReader("<methodCall/>"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/nowhere: %d, want 404", resp.StatusCode)
	}
}
