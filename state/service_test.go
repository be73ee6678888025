package state_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/election"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/state"
)

func fastConfig(id string) *state.Config {
	c := state.DefaultConfig()
	c.ID = id
	c.Beat = 200 * time.Millisecond
	c.TTL = time.Second
	c.OpTimeout = time.Second
	return c
}

// serve starts a state instance on nc behind an HTTP server and returns it with its URL.
func serve(t *testing.T, nc *nats.Conn, cfg *state.Config) (*state.Service, string) {
	t.Helper()
	svc, err := state.New(context.Background(), nc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Register(reg, ""); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return svc, ts.URL + "/RPC2"
}

func waitMaster(t *testing.T, svc *state.Service, d time.Duration) {
	t.Helper()
	for end := time.Now().Add(d); !svc.Election().IsMaster(); {
		if time.Now().After(end) {
			t.Fatalf("%s not master within %v", svc.Config().ID, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func faultCode(err error) int {
	var f interface{ FaultCode() int }
	if errors.As(err, &f) {
		return f.FaultCode()
	}
	return 0
}

func TestMethods(t *testing.T) {
	nc := startNATS(t)
	svc, url := serve(t, nc, fastConfig("a"))
	waitMaster(t, svc, 2*time.Second)
	c, err := client.New(url)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var rev int64
	if err := c.Call(ctx, "set", &rev, "user.1.name", "Ada"); err != nil || rev <= 0 {
		t.Fatalf("set: %d %v", rev, err)
	}
	var s string
	if err := c.Call(ctx, "get", &s, "user.1.name"); err != nil || s != "Ada" {
		t.Fatalf("get: %q %v", s, err)
	}
	if err := c.Call(ctx, "get", &s, "nope"); faultCode(err) != state.CodeNotFound {
		t.Fatalf("get of a missing key: %v", err)
	}
	if err := c.Call(ctx, "get", &s, "nope", "dflt"); err != nil || s != "dflt" {
		t.Fatalf("get with default: %q %v", s, err)
	}
	// Any XML-RPC value round-trips.
	when := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	val := map[string]any{"n": 1, "f": 2.5, "b": true, "t": when, "bin": []byte{0, 1}, "list": []any{"x", 2}}
	if err := c.Call(ctx, "set", &rev, "doc", val); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := c.Call(ctx, "get", &got, "doc"); err != nil {
		t.Fatal(err)
	}
	if got["n"] != 1 || got["f"] != 2.5 || got["b"] != true || !got["t"].(time.Time).Equal(when) ||
		string(got["bin"].([]byte)) != "\x00\x01" || got["list"].([]any)[1] != 2 {
		t.Fatalf("round trip: %#v", got)
	}
	var n int64
	for want := int64(1); want <= 3; want++ {
		if err := c.Call(ctx, "incr", &n, "hits"); err != nil || n != want {
			t.Fatalf("incr: %d %v, want %d", n, err, want)
		}
	}
	if err := c.Call(ctx, "incr", &n, "hits", -10); err != nil || n != -7 {
		t.Fatalf("incr -10: %d %v", n, err)
	}
	if err := c.Call(ctx, "incr", &n, "user.1.name"); faultCode(err) != state.CodeConflict {
		t.Fatalf("incr of a string: %v", err)
	}
	// Compare-and-set on the revision.
	var e struct {
		Exists   bool  `xmlrpc:"exists"`
		Revision int64 `xmlrpc:"revision"`
		Value    any   `xmlrpc:"value"`
	}
	if err := c.Call(ctx, "entry", &e, "user.1.name"); err != nil || !e.Exists || e.Revision != rev-0 && e.Revision == 0 {
		t.Fatalf("entry: %+v %v", e, err)
	}
	var r2 int64
	if err := c.Call(ctx, "cas", &r2, "user.1.name", e.Revision, "Grace"); err != nil || r2 <= e.Revision {
		t.Fatalf("cas: %d %v", r2, err)
	}
	if err := c.Call(ctx, "cas", &r2, "user.1.name", e.Revision, "Linus"); faultCode(err) != state.CodeConflict {
		t.Fatalf("cas on a stale revision: %v", err)
	}
	if err := c.Call(ctx, "cas", &r2, "fresh", 0, "v"); err != nil {
		t.Fatalf("cas create: %v", err)
	}
	if err := c.Call(ctx, "cas", &r2, "fresh", 0, "v"); faultCode(err) != state.CodeConflict {
		t.Fatalf("cas create twice: %v", err)
	}
	var keys []string
	if err := c.Call(ctx, "keys", &keys, "user."); err != nil || len(keys) != 1 || keys[0] != "user.1.name" {
		t.Fatalf("keys user.: %v %v", keys, err)
	}
	if err := c.Call(ctx, "keys", &keys); err != nil || len(keys) != 4 {
		t.Fatalf("keys: %v %v", keys, err)
	}
	if err := c.Call(ctx, "keys", &keys, "h"); err != nil || len(keys) != 1 || keys[0] != "hits" {
		t.Fatalf("keys h: %v %v", keys, err)
	}
	var existed bool
	if err := c.Call(ctx, "delete", &existed, "fresh"); err != nil || !existed {
		t.Fatalf("delete: %v %v", existed, err)
	}
	if err := c.Call(ctx, "delete", &existed, "fresh"); err != nil || existed {
		t.Fatalf("delete again: %v %v", existed, err)
	}
	if err := c.Call(ctx, "cas", &r2, "fresh", 0, "again"); err != nil {
		t.Fatalf("cas create after delete: %v", err)
	}
	if err := c.Call(ctx, "set", &rev, "bad key", 1); faultCode(err) != state.CodeInvalid {
		t.Fatalf("bad key: %v", err)
	}
	if err := c.Call(ctx, "set", &rev, "k", 1, map[string]any{"colour": 1}); faultCode(err) != state.CodeInvalid {
		t.Fatalf("unknown option: %v", err)
	}
}

func TestKeyTTL(t *testing.T) {
	nc := startNATS(t)
	svc, url := serve(t, nc, fastConfig("a"))
	waitMaster(t, svc, 2*time.Second)
	c, _ := client.New(url)
	ctx := context.Background()
	var rev int64
	if err := c.Call(ctx, "set", &rev, "session", "x", map[string]any{"ttl": 1}); err != nil {
		t.Fatal(err)
	}
	var s string
	if err := c.Call(ctx, "get", &s, "session"); err != nil || s != "x" {
		t.Fatalf("before expiry: %q %v", s, err)
	}
	deadline := time.Now().Add(4 * time.Second)
	for c.Call(ctx, "get", &s, "session") == nil {
		if time.Now().After(deadline) {
			t.Fatal("key with a 1 s TTL still there after 4 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The expired key's marker does not block a new write of it.
	var n int64
	if err := c.Call(ctx, "incr", &n, "session"); err != nil || n != 1 {
		t.Fatalf("incr after expiry: %d %v", n, err)
	}
}

func TestIdempotencyKey(t *testing.T) {
	nc := startNATS(t)
	svc, url := serve(t, nc, fastConfig("a"))
	waitMaster(t, svc, 2*time.Second)
	c, _ := client.New(url)
	ctx := context.Background()
	var n int64
	for range 3 {
		if err := c.Call(ctx, "incr", &n, "c", 5, map[string]any{"id": "req-1"}); err != nil || n != 5 {
			t.Fatalf("incr with id req-1: %d %v, want 5 every time", n, err)
		}
	}
	if err := c.Call(ctx, "incr", &n, "c", 5, map[string]any{"id": "req-2"}); err != nil || n != 10 {
		t.Fatalf("incr with id req-2: %d %v", n, err)
	}
	var r1, r2 int64
	if err := c.Call(ctx, "set", &r1, "s", "v1", map[string]any{"id": "set-1"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Call(ctx, "set", &r2, "s", "v1", map[string]any{"id": "set-1"}); err != nil || r2 != r1 {
		t.Fatalf("retried set: revision %d, first %d, %v", r2, r1, err)
	}
	if err := c.Call(ctx, "set", &r2, "other", "v1", map[string]any{"id": "set-1"}); faultCode(err) != state.CodeInvalid {
		t.Fatalf("id reused for another key: %v", err)
	}
	// Concurrent duplicates of one id are applied once.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			var v int64
			if err := c.Call(ctx, "incr", &v, "c", 1, map[string]any{"id": "dup"}); err != nil || v != 11 {
				t.Errorf("concurrent duplicate: %d %v, want 11", v, err)
			}
		})
	}
	wg.Wait()
	if err := c.Call(ctx, "get", &n, "c"); err != nil || n != 11 {
		t.Fatalf("counter %d %v, want 11", n, err)
	}
}

func TestConcurrentIncr(t *testing.T) {
	nc := startNATS(t)
	svc, url := serve(t, nc, fastConfig("a"))
	waitMaster(t, svc, 2*time.Second)
	c, _ := client.New(url)
	ctx := context.Background()
	const workers, each = 16, 100
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				id := "w" + strconv.Itoa(w) + "-" + strconv.Itoa(i)
				if err := c.Call(ctx, "incr", nil, "total", 1, map[string]any{"id": id}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	var n int64
	if err := c.Call(ctx, "get", &n, "total"); err != nil || n != workers*each {
		t.Fatalf("total %d %v, want %d", n, err, workers*each)
	}
	st := svc.Stats()
	t.Logf("%d incr with ids from %d clients in %v: %.0f/s; %d batches, %.1f writes per batch",
		workers*each, workers, took, float64(workers*each)/took.Seconds(), st.Batches, float64(st.Writes)/float64(st.Batches))
}

func TestStandbyRefuses(t *testing.T) {
	nc := startNATS(t)
	a, urlA := serve(t, nc, fastConfig("a"))
	waitMaster(t, a, 2*time.Second)
	b, urlB := serve(t, nc, fastConfig("b"))
	time.Sleep(300 * time.Millisecond)
	if b.Election().IsMaster() {
		t.Fatal("two masters")
	}
	cb, _ := client.New(urlB)
	ctx := context.Background()
	if err := cb.Call(ctx, "incr", nil, "x"); faultCode(err) != election.CodeNotMaster {
		t.Fatalf("standby's answer: %v, want CodeNotMaster", err)
	}
	ca, _ := client.New(urlA)
	if err := ca.Call(ctx, "incr", nil, "x"); err != nil {
		t.Fatal(err)
	}
	// Resign: the standby takes over at once and sees the master's writes.
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	waitMaster(t, b, time.Second)
	var n int64
	if err := cb.Call(ctx, "incr", &n, "x"); err != nil || n != 2 {
		t.Fatalf("incr on the new master: %d %v", n, err)
	}
}

// A master whose election is frozen (it still believes it holds the lease) cannot write once a
// standby's term began: the store refuses its batch against the term's fence.
func TestFrozenMasterFenced(t *testing.T) {
	nc := startNATS(t)
	a, urlA := serve(t, nc, fastConfig("a"))
	waitMaster(t, a, 2*time.Second)
	ctx := context.Background()
	ca, _ := client.New(urlA)
	if err := ca.Call(ctx, "set", nil, "owner", "a"); err != nil {
		t.Fatal(err)
	}
	a.Election().Abandon() // frozen: no renewals, and its Status still says master
	b, urlB := serve(t, nc, fastConfig("b"))
	waitMaster(t, b, 3*time.Second)
	if !a.Election().IsMaster() {
		t.Fatal("the frozen instance should still believe it is master")
	}
	err := ca.Call(ctx, "set", nil, "owner", "stale a", map[string]any{"id": "stale"})
	if faultCode(err) != election.CodeNotMaster {
		t.Fatalf("stale master's write: %v, want fault %d", err, election.CodeNotMaster)
	}
	if st := a.Stats(); st.Fenced != 1 {
		t.Fatalf("stats of the stale master: %+v, want one fenced batch", st)
	}
	cb, _ := client.New(urlB)
	var s string
	if err := cb.Call(ctx, "get", &s, "owner"); err != nil || s != "a" {
		t.Fatalf("owner = %q, %v; the stale write must not have landed", s, err)
	}
	// The id of the refused write is free: nothing was applied under it.
	if err := cb.Call(ctx, "set", nil, "owner", "b", map[string]any{"id": "stale"}); err != nil {
		t.Fatal(err)
	}
}

// The same methods over JSON-RPC 2.0, options as a JSON object.
func TestJSONRPC(t *testing.T) {
	nc := startNATS(t)
	svc, url := serve(t, nc, fastConfig("a"))
	waitMaster(t, svc, 2*time.Second)
	c, err := client.New(url, client.WithJSONRPC())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Call(ctx, "set", nil, "doc", map[string]any{"a": []any{1, "x", nil}}); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := c.Call(ctx, "get", &got, "doc"); err != nil || len(got["a"].([]any)) != 3 || got["a"].([]any)[2] != nil {
		t.Fatalf("get over JSON-RPC: %#v %v", got, err)
	}
	var n int64
	for range 2 {
		if err := c.Call(ctx, "incr", &n, "hits", 3, map[string]any{"id": "j-1"}); err != nil || n != 3 {
			t.Fatalf("incr over JSON-RPC: %d %v", n, err)
		}
	}
	if err := c.Call(ctx, "get", &got, "missing"); faultCode(err) != state.CodeNotFound {
		t.Fatalf("missing key over JSON-RPC: %v", err)
	}
}
