package client

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// unixServer serves the test server's handler on a unix socket in a temporary directory.
func unixServer(t *testing.T) (string, *testServer) {
	t.Helper()
	dir, err := os.MkdirTemp("", "harp-unix")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "rpc.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{gzipAbove: 256}
	srv := &http.Server{Handler: ts}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return sock, ts
}

func TestUnixSocket(t *testing.T) {
	sock, ts := unixServer(t)
	c := newClient(t, "unix://"+sock)
	var sum int
	if err := c.Call(context.Background(), "add", &sum, 40, 2); err != nil || sum != 42 {
		t.Fatalf("add over unix socket: %d, %v", sum, err)
	}
	var path string
	if err := c.Call(context.Background(), "path", &path); err != nil || path != "/RPC2" {
		t.Fatalf("request path %q, %v; want /RPC2 as supervisord serves", path, err)
	}
	c2 := newClient(t, "unix://"+sock, WithPath("/api"))
	if err := c2.Call(context.Background(), "path", &path); err != nil || path != "/api" {
		t.Fatalf("WithPath over unix: %q, %v", path, err)
	}
	if host := ts.lastReq.Load().Host; host != "localhost" {
		t.Errorf("Host header %q", host)
	}

	missing := newClient(t, "unix://"+sock+".missing")
	err := missing.Call(context.Background(), "add", nil, 1, 2)
	var te *TransportError
	if !errors.As(err, &te) || !te.NotSent() {
		t.Fatalf("missing socket: %v", err)
	}
	if _, err := New("unix://"+sock, WithTransport(http.DefaultTransport)); err == nil {
		t.Fatal("unix URL with WithTransport accepted")
	}
}
