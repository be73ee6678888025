package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// recorder is an Observer keeping what it is told.
type recorder struct {
	mu    sync.Mutex
	infos []server.CallInfo
}

func (r *recorder) ObserveCall(info server.CallInfo) {
	r.mu.Lock()
	r.infos = append(r.infos, info)
	r.mu.Unlock()
}

// next waits (boundedly) for the observation after the n already taken and returns it: the
// server observes a request after writing its answer, so the client may see the answer first.
func (r *recorder) next(t *testing.T, n int) server.CallInfo {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		r.mu.Lock()
		if len(r.infos) > n {
			info := r.infos[n]
			r.mu.Unlock()
			return info
		}
		r.mu.Unlock()
	}
	t.Fatalf("no observation %d", n)
	return server.CallInfo{}
}

// observedServer serves the test registry, with stubborn (a handler that ignores its context)
// added, to a recorder.
func observedServer(t *testing.T, edit func(*server.Config)) (*server.Server, string, *recorder) {
	t.Helper()
	reg := testRegistry(t, nil)
	reg.MustRegister("stubborn", func(ms int) int { time.Sleep(time.Duration(ms) * time.Millisecond); return ms }, "Sleeps, deaf.")
	rec := &recorder{}
	cfg := server.DefaultConfig()
	cfg.Observer = rec
	if edit != nil {
		edit(cfg)
	}
	s, url := newServer(t, reg, cfg)
	return s, url + "/RPC2", rec
}

func xmlCall(t *testing.T, method string, args ...any) string {
	t.Helper()
	b, err := xmlrpc.MarshalCall(method, args...)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func checkInfo(t *testing.T, what string, got server.CallInfo, want server.CallInfo) {
	t.Helper()
	if got.Protocol != want.Protocol || got.Method != want.Method || got.Code != want.Code || got.Calls != want.Calls ||
		got.Batch != want.Batch || got.Status != want.Status || got.Outcome != want.Outcome {
		t.Errorf("%s: observed %+v, want %+v", what, got, want)
	}
	if !strings.HasPrefix(got.Remote, "127.0.0.1:") {
		t.Errorf("%s: remote %q", what, got.Remote)
	}
}

func TestObserverCalls(t *testing.T) {
	_, url, rec := observedServer(t, func(c *server.Config) { c.MaxBodySize = 4096 })
	n := 0
	step := func(what, body, ct string, want server.CallInfo, hdr ...string) server.CallInfo {
		t.Helper()
		if st, _, resp := post(t, url, body, append([]string{"Content-Type", ct}, hdr...)...); st != want.Status {
			t.Fatalf("%s: status %d: %s", what, st, resp)
		}
		got := rec.next(t, n)
		n++
		checkInfo(t, what, got, want)
		return got
	}
	ok := step("ok", xmlCall(t, "add", 2, 3), "text/xml",
		server.CallInfo{Protocol: "xmlrpc", Method: "add", Calls: 1, Status: 200, Outcome: server.OutcomeOK},
		rpc.RequestIDHeader, "abc-123")
	if ok.RequestID != "abc-123" || ok.Duration <= 0 {
		t.Errorf("ok: request id %q, duration %v", ok.RequestID, ok.Duration)
	}
	step("fault", xmlCall(t, "div", 1, 0), "text/xml",
		server.CallInfo{Protocol: "xmlrpc", Method: "div", Code: 500, Calls: 1, Status: 200, Outcome: server.OutcomeFault})
	step("unknown", xmlCall(t, "nope"), "text/xml",
		server.CallInfo{Protocol: "xmlrpc", Method: "nope", Code: rpc.CodeMethodNotFound, Calls: 1, Status: 200, Outcome: server.OutcomeFault})
	step("batch", `[{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1},{"jsonrpc":"2.0","method":"echo","params":[1],"id":2}]`,
		"application/json", server.CallInfo{Protocol: "jsonrpc", Method: "add", Calls: 2, Batch: true, Status: 200, Outcome: server.OutcomeOK})
	step("notification", `{"jsonrpc":"2.0","method":"add","params":[1,2]}`, "application/json",
		server.CallInfo{Protocol: "jsonrpc", Method: "add", Calls: 1, Status: 204, Outcome: server.OutcomeOK})
	step("too large", `{"jsonrpc":"2.0","method":"echo","params":["`+strings.Repeat("x", 5000)+`"],"id":1}`, "application/json",
		server.CallInfo{Protocol: "jsonrpc", Status: 413, Outcome: server.OutcomeRefused})
	// A GET is the documentation page, not a call: not observed.
	if resp, err := http.Get(url); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	step("after a GET", xmlCall(t, "add", 1, 1), "text/xml",
		server.CallInfo{Protocol: "xmlrpc", Method: "add", Calls: 1, Status: 200, Outcome: server.OutcomeOK})
}

func TestObserverRefusals(t *testing.T) {
	t.Run("in flight", func(t *testing.T) {
		s, url, rec := observedServer(t, func(c *server.Config) { c.MaxInFlight = 1 })
		done := make(chan struct{})
		go func() { defer close(done); post(t, url, xmlCall(t, "stubborn", 300)) }()
		for deadline := time.Now().Add(5 * time.Second); s.InFlight() == 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		if st, _, _ := post(t, url, xmlCall(t, "add", 1, 2)); st != http.StatusServiceUnavailable {
			t.Fatalf("beyond MaxInFlight: status %d", st)
		}
		checkInfo(t, "503", rec.next(t, 0), server.CallInfo{Protocol: "xmlrpc", Status: 503, Outcome: server.OutcomeOverload})
		<-done
		checkInfo(t, "the call in flight", rec.next(t, 1),
			server.CallInfo{Protocol: "xmlrpc", Method: "stubborn", Calls: 1, Status: 200, Outcome: server.OutcomeOK})
	})
	t.Run("budget", func(t *testing.T) {
		_, url, rec := observedServer(t, func(c *server.Config) { c.MemoryBudget = 64 << 10; c.PeerShare = 0 })
		if st, _, _ := post(t, url, xmlCall(t, "echo", strings.Repeat("x", 30<<10))); st != http.StatusRequestEntityTooLarge {
			t.Fatalf("over the budget: status %d", st)
		}
		checkInfo(t, "413", rec.next(t, 0), server.CallInfo{Protocol: "xmlrpc", Status: 413, Outcome: server.OutcomeRefused})
		// The call runs, but its answer does not fit: a fault, and an overload.
		if st, _, _ := post(t, url, xmlCall(t, "big", 100<<10)); st != http.StatusOK {
			t.Fatalf("answer over the budget: status %d", st)
		}
		checkInfo(t, "answer refused", rec.next(t, 1),
			server.CallInfo{Protocol: "xmlrpc", Method: "big", Calls: 1, Status: 200, Outcome: server.OutcomeOverload})
	})
	t.Run("timeout", func(t *testing.T) {
		_, url, rec := observedServer(t, func(c *server.Config) { c.CallTimeout = 20 * time.Millisecond })
		post(t, url, xmlCall(t, "stubborn", 300))
		checkInfo(t, "abandoned", rec.next(t, 0), server.CallInfo{Protocol: "xmlrpc", Method: "stubborn", Calls: 1,
			Code: rpc.CodeInternalError, Status: 200, Outcome: server.OutcomeTimeout})
	})
	t.Run("unauthorized", func(t *testing.T) {
		_, url, rec := observedServer(t, func(c *server.Config) { c.BasicAuth = server.Users(map[string]string{"a": "b"}) })
		if st, _, _ := post(t, url, `{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1}`,
			"Content-Type", "application/json", rpc.RequestIDHeader, "r-1"); st != http.StatusUnauthorized {
			t.Fatalf("without credentials: status %d", st)
		}
		got := rec.next(t, 0)
		checkInfo(t, "401", got, server.CallInfo{Protocol: "jsonrpc", Status: 401, Outcome: server.OutcomeRefused})
		if got.RequestID != "r-1" {
			t.Errorf("401: request id %q", got.RequestID)
		}
	})
}

// nopObserver observes nothing, to measure what observing costs the server.
type nopObserver struct{}

func (nopObserver) ObserveCall(server.CallInfo) {}

// BenchmarkServeHTTPObserved is BenchmarkServeHTTPAddTyped's XML-RPC add with an Observer that
// does nothing, beside none: observing must cost no allocation.
func BenchmarkServeHTTPObserved(b *testing.B) {
	for _, o := range []struct {
		name string
		obs  server.Observer
	}{{"none", nil}, {"nop", nopObserver{}}} {
		b.Run(o.name, func(b *testing.B) {
			reg, err := rpc.NewRegistry(nil)
			if err != nil {
				b.Fatal(err)
			}
			reg.MustRegister("add", rpc.Func2(func(_ context.Context, x, y int) (int, error) { return x + y, nil }), "")
			cfg := server.DefaultConfig()
			cfg.Observer = o.obs
			s, _ := newServer(b, reg, cfg)
			body := mustMarshalCall(b, "add", 2, 3)
			req, _ := http.NewRequest("POST", "/RPC2", nil)
			req.Header.Set("Content-Type", "text/xml")
			rd := bytes.NewReader(body)
			w := &discardWriter{h: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				rd.Reset(body)
				req.Body = io.NopCloser(rd)
				req.ContentLength = int64(len(body))
				clear(w.h)
				s.ServeHTTP(w, req)
			}
		})
	}
}
