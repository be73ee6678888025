package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// headerRecorder is a server answering add(2,3)'s result in either protocol and recording the
// trace headers of every request.
type headerRecorder struct {
	mu   sync.Mutex
	seen []http.Header
}

func (h *headerRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.seen = append(h.seen, r.Header.Clone())
	h.mu.Unlock()
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		w.WriteHeader(http.StatusNoContent) // the tests' JSON-RPC calls are notifications
		return
	}
	b, _ := xmlrpc.MarshalResponse(5)
	w.Write(b)
}

func (h *headerRecorder) last(t *testing.T) http.Header {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.seen) == 0 {
		t.Fatal("no request seen")
	}
	return h.seen[len(h.seen)-1]
}

// timeoutSeen reads the Harp-Timeout of hdr, failing when it is absent or unreadable.
func timeoutSeen(t *testing.T, hdr http.Header) time.Duration {
	t.Helper()
	v := hdr.Get(rpc.TimeoutHeader)
	d, err := rpc.ParseTimeout(v)
	if err != nil {
		t.Fatalf("%s %q: %v", rpc.TimeoutHeader, v, err)
	}
	return d
}

func TestTraceHeaders(t *testing.T) {
	rec := &headerRecorder{}
	ts := httptest.NewServer(rec)
	defer ts.Close()
	c := newClient(t, ts.URL)

	// Neither: no header, as a peer that knows neither expects.
	if err := c.Call(context.Background(), "add", nil); err != nil {
		t.Fatal(err)
	}
	if h := rec.last(t); h.Get(rpc.TimeoutHeader) != "" || h.Get(rpc.RequestIDHeader) != "" {
		t.Errorf("headers without a deadline or id: %q, %q", h.Get(rpc.TimeoutHeader), h.Get(rpc.RequestIDHeader))
	}

	// A deadline: what is left of it, never more.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Call(ctx, "add", nil); err != nil {
		t.Fatal(err)
	}
	if d := timeoutSeen(t, rec.last(t)); d > 5*time.Second || d < 4*time.Second {
		t.Errorf("5 s deadline sent as %v", d)
	}
	if h := rec.last(t); h.Get(rpc.RequestIDHeader) != "" {
		t.Errorf("request id %q sent without one", h.Get(rpc.RequestIDHeader))
	}

	// A request id, with and without a deadline; an id unfit for a header is not sent.
	idCtx := rpc.WithRequestID(context.Background(), "req-42")
	if err := c.Call(idCtx, "add", nil); err != nil {
		t.Fatal(err)
	}
	if h := rec.last(t); h.Get(rpc.RequestIDHeader) != "req-42" || h.Get(rpc.TimeoutHeader) != "" {
		t.Errorf("id only: %q, timeout %q", h.Get(rpc.RequestIDHeader), h.Get(rpc.TimeoutHeader))
	}
	both := rpc.WithRequestID(ctx, "req-43")
	// The recorder answers 5, not a multicall array: the error is expected, the headers matter.
	_ = c.MultiCall(both, NewCall("add", nil))
	if h := rec.last(t); h.Get(rpc.RequestIDHeader) != "req-43" || timeoutSeen(t, h) > 5*time.Second {
		t.Errorf("both: %q, %q", h.Get(rpc.RequestIDHeader), h.Get(rpc.TimeoutHeader))
	}
	if err := c.Call(rpc.WithRequestID(context.Background(), "bad id\r\nX: y"), "add", nil); err != nil {
		t.Fatal(err)
	}
	if h := rec.last(t); h.Get(rpc.RequestIDHeader) != "" || h.Get("X") != "" {
		t.Errorf("an invalid id was sent: %q", h.Get(rpc.RequestIDHeader))
	}

	// The template's header is never changed by a call's.
	if err := c.Call(context.Background(), "add", nil); err != nil {
		t.Fatal(err)
	}
	if h := rec.last(t); h.Get(rpc.TimeoutHeader) != "" || h.Get(rpc.RequestIDHeader) != "" {
		t.Errorf("headers leaked into the template: %v", h)
	}
}

// TestTraceHeadersClientTimeout: the header carries the client's own timeout when it is the
// earlier bound, over every call shape and both protocols.
func TestTraceHeadersClientTimeout(t *testing.T) {
	rec := &headerRecorder{}
	ts := httptest.NewServer(rec)
	defer ts.Close()
	x := newClient(t, ts.URL, WithTimeout(2*time.Second))
	j := newClient(t, ts.URL, WithTimeout(2*time.Second), WithJSONRPC())
	ctx := rpc.WithRequestID(context.Background(), "chain-1")
	later, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	shapes := map[string]func() error{
		"Call":      func() error { return x.Call(ctx, "add", nil) },
		"CallNamed": func() error { return x.CallNamed(later, "add", nil, struct{}{}) },
		"CallRaw":   func() error { _, err := x.CallRaw(ctx, "add"); return err },
		"MultiCall": func() error { _ = x.MultiCall(ctx, NewCall("add", nil)); return nil }, // a bad answer: headers matter
		"RoundTrip": func() error {
			_, err := x.RoundTrip(later, &rpc.Request{Protocol: "xmlrpc", Method: "add", Body: []byte("<methodCall/>")}, nil)
			return err
		},
		"Notify, an hour's deadline": func() error { return j.Notify(later, "add") },
		"Notify, no deadline":        func() error { return j.Notify(ctx, "add", 1) },
	}
	for name, call := range shapes {
		if err := call(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		h := rec.last(t)
		if d := timeoutSeen(t, h); d > 2*time.Second || d < time.Second {
			t.Errorf("%s: the client's 2 s timeout sent as %v", name, d)
		}
		if id := h.Get(rpc.RequestIDHeader); id != "chain-1" {
			t.Errorf("%s: request id %q", name, id)
		}
	}
}

// BenchmarkCallSequentialTraced is BenchmarkCallSequential with a deadline and a request id on the
// context: the price of the two headers.
func BenchmarkCallSequentialTraced(b *testing.B) {
	srv := fixedServer(b)
	c, err := New(srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(rpc.WithRequestID(context.Background(), "bench-1"), time.Hour)
	defer cancel()
	b.ReportAllocs()
	var sum int
	for b.Loop() {
		if err := c.Call(ctx, "add", &sum, 2, 3); err != nil {
			b.Fatal(err)
		}
	}
}

// lateTransport answers every request with a fault, but only after the request's deadline has
// passed, not watching its context: the answer of a server whose handler the sent deadline ended.
type lateTransport struct{}

func (lateTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	if dl, ok := r.Context().Deadline(); ok {
		time.Sleep(time.Until(dl) + time.Millisecond)
	}
	b, _ := xmlrpc.MarshalFault(&xmlrpc.Fault{Code: 1, String: "context deadline exceeded"})
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b))}, nil
}

// TestAnswerAfterDeadlineIsATimeout: an answer read after the call's deadline is the caller's
// timeout (sent), not the server's fault; without a deadline the same answer is the fault.
func TestAnswerAfterDeadlineIsATimeout(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:1/", WithTransport(lateTransport{}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := c.Call(ctx, "m", nil)
	var te *TransportError
	if !errors.As(err, &te) || !te.Timeout() || te.NotSent() {
		t.Fatalf("an answer after the deadline: %v", err)
	}
	var f *xmlrpc.Fault
	if err := c.Call(context.Background(), "m", nil); !errors.As(err, &f) {
		t.Fatalf("the same answer in time: %v", err)
	}
}
