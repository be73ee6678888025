package client

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// writeCounter counts the writes made to the connections it wraps.
type writeCounter struct {
	net.Conn
	writes *atomic.Int64
}

func (c writeCounter) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// TestSmallRequestOneWrite: a small request goes out in one write, head and body together, so
// that the server reads it at once; a body past maxOneWriteBody still gets through (in more
// writes, from a pooled buffer).
func TestSmallRequestOneWrite(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write([]byte(`<?xml version="1.0"?><methodResponse><params><param><value><int>5</int></value></param></params></methodResponse>`))
	}))
	defer srv.Close()
	c := newClient(t, srv.URL+"/RPC2")
	var writes atomic.Int64
	dial := c.owned.DialContext
	c.owned.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return writeCounter{Conn: conn, writes: &writes}, nil
	}
	for _, arg := range []string{"small", strings.Repeat("x", maxOneWriteBody-300)} {
		before := writes.Load()
		var n int
		if err := c.Call(context.Background(), "add", &n, arg); err != nil || n != 5 {
			t.Fatalf("%d bytes of argument: %d, %v", len(arg), n, err)
		}
		if w := writes.Load() - before; w != 1 {
			t.Errorf("a request with %d bytes of argument took %d writes, want 1", len(arg), w)
		}
	}
	var n int
	if err := c.Call(context.Background(), "add", &n, strings.Repeat("y", 3*maxOneWriteBody)); err != nil || n != 5 {
		t.Fatalf("a large request: %d, %v", n, err)
	}
}
