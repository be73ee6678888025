package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// syncBuffer is a bytes.Buffer safe for a logger and a test reading it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Record is a struct parameter and result with codec tags.
type Record struct {
	Name  string    `xmlrpc:"name"`
	Count int       `xmlrpc:"count"`
	When  time.Time `xmlrpc:"when"`
	Blob  []byte    `xmlrpc:"blob"`
	Tags  []string  `xmlrpc:"tags,omitempty"`
}

// testRegistry registers the methods the server tests call.
func testRegistry(t testing.TB, logger *slog.Logger) *rpc.Registry {
	t.Helper()
	cfg := rpc.DefaultConfig()
	cfg.ErrorCode = 500
	cfg.Logger = logger
	if logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	reg, err := rpc.NewRegistry(cfg)
	if err != nil {
		t.Fatal(err)
	}
	reg.MustRegister("add", func(a, b int) int { return a + b }, "Adds two integers.")
	reg.MustRegister("echo", func(v any) any { return v }, "Returns its argument unchanged.")
	reg.MustRegister("record", func(r Record) Record { r.Count++; return r }, "Returns the record with count+1.")
	reg.MustRegister("div", func(a, b float64) (float64, error) {
		if b == 0 {
			return 0, errors.New("division by zero")
		}
		return a / b, nil
	}, "Divides.")
	reg.MustRegister("fault", func(code int, msg string) error { return &xmlrpc.Fault{Code: code, String: msg} }, "Faults.")
	reg.MustRegister("panic", func() int { panic("secret at /home/x/handler.go:42") }, "Panics.")
	reg.MustRegister("big", func(n int) string { return strings.Repeat("x", n) }, "A long string.")
	reg.MustRegister("sleep", func(ctx context.Context, ms int) (bool, error) {
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
			return true, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}, "Sleeps, honouring cancellation.")
	return reg
}

// newServer serves reg with cfg on an httptest server.
func newServer(t testing.TB, reg *rpc.Registry, cfg *server.Config) (*server.Server, string) {
	t.Helper()
	if cfg == nil {
		cfg = server.DefaultConfig()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := server.New(reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts.URL
}

// post sends body and returns the status, headers and the (decompressed) response body.
func post(t testing.TB, url, body string, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// call marshals a call, posts it and decodes the response into reply; a fault is returned as error.
func call(t testing.TB, url, method string, reply any, args ...any) error {
	t.Helper()
	body, err := xmlrpc.MarshalCall(method, args...)
	if err != nil {
		t.Fatal(err)
	}
	status, _, resp := post(t, url, string(body))
	if status != http.StatusOK {
		t.Fatalf("%s: status %d: %s", method, status, resp)
	}
	return xmlrpc.UnmarshalResponse(resp, reply)
}

// faultOf returns the fault err holds, failing the test if it holds none.
func faultOf(t testing.TB, err error) *xmlrpc.Fault {
	t.Helper()
	var f *xmlrpc.Fault
	if !errors.As(err, &f) {
		t.Fatalf("want a fault, got %v", err)
	}
	return f
}

// serveLocal runs s.Serve on a 127.0.0.1 port until ctx is done; the channel receives Serve's
// result. The test's cleanup stops it if the test did not.
func serveLocal(t testing.TB, ctx context.Context, s *server.Server) (string, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	t.Cleanup(cancel)
	return ln.Addr().String(), served
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
