package gateway_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/gateway"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// backend is a real harp server with methods that name it and count their calls.
type backend struct {
	name  string
	url   string
	srv   *httptest.Server
	calls atomic.Int64 // calls of every method but the health check
	gate  chan struct{}
}

// newBackend starts a harp server on 127.0.0.1 named name. Its methods: whoami() returns name;
// add(a, b); fail() answers fault 42; slow() blocks until the gate is closed or its context
// ends; drop() closes the connection without an answer. Each counts into calls.
func newBackend(t testing.TB, name string) *backend {
	t.Helper()
	b := &backend{name: name, gate: make(chan struct{})}
	cfg := rpc.DefaultConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	reg, err := rpc.NewRegistry(cfg)
	if err != nil {
		t.Fatal(err)
	}
	count := func() { b.calls.Add(1) }
	reg.MustRegister("whoami", func() string { count(); return name }, "")
	reg.MustRegister("user.whoami", func() string { count(); return name }, "")
	reg.MustRegister("add", func(a, c int) int { count(); return a + c }, "")
	reg.MustRegister("fail", func() error { count(); return &xmlrpc.Fault{Code: 42, String: "no"} }, "")
	slow := func(ctx context.Context) (string, error) {
		count()
		select {
		case <-b.gate:
			return name, nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	reg.MustRegister("slow", slow, "")
	reg.MustRegister("user.slow", slow, "")
	reg.MustRegister("drop", func() string { count(); return "never" }, "")
	scfg := server.DefaultConfig()
	scfg.Logger = slog.New(slog.DiscardHandler)
	scfg.Middleware = []server.Middleware{dropper}
	srv, err := server.New(reg, scfg)
	if err != nil {
		t.Fatal(err)
	}
	b.srv = httptest.NewServer(srv)
	b.url = b.srv.URL + "/RPC2"
	t.Cleanup(b.close)
	return b
}

// dropper closes the connection of any request whose body calls drop, after reading it.
func dropper(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var sb strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := r.Body.Read(buf)
			sb.Write(buf[:n])
			if err != nil {
				break
			}
		}
		body := sb.String()
		if strings.Contains(body, "<methodName>drop</methodName>") || strings.Contains(body, `"method":"drop"`) {
			r2 := r.Clone(r.Context())
			r2.Body, r2.ContentLength = readCloser{strings.NewReader(body)}, int64(len(body))
			next.ServeHTTP(httptest.NewRecorder(), r2) // runs (and counts) it
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		r.Body = readCloser{strings.NewReader(body)}
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

func (b *backend) close() {
	select {
	case <-b.gate:
	default:
		close(b.gate)
	}
	b.srv.CloseClientConnections()
	b.srv.Close()
}

// freeAddr returns a 127.0.0.1 address nothing listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// running is a gateway serving on 127.0.0.1.
type running struct {
	gw    *gateway.Gateway
	url   string // the call listener, with /RPC2
	admin string // the admin listener's base URL
	stop  func()
}

// startGateway parses yaml (with LISTEN and ADMIN replaced by free addresses) and serves it
// until the test ends.
func startGateway(t testing.TB, yaml string, opts *gateway.Options) *running {
	t.Helper()
	listen, admin := freeAddr(t), freeAddr(t)
	yaml = strings.ReplaceAll(strings.ReplaceAll(yaml, "LISTEN", listen), "ADMIN", admin)
	cfg, err := gateway.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	if opts == nil {
		opts = &gateway.Options{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	gw, err := gateway.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- gw.Serve(ctx, func([]net.Addr) { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("gateway did not start")
	}
	r := &running{gw: gw, url: "http://" + listen + "/RPC2", admin: "http://" + admin}
	var stopped atomic.Bool
	r.stop = func() {
		if stopped.Swap(true) {
			return
		}
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(40 * time.Second):
			t.Error("gateway did not stop")
		}
	}
	t.Cleanup(r.stop)
	return r
}

// restartOn serves b's handler again on its old address, after its listener was closed.
func restartOn(t testing.TB, b *backend) {
	t.Helper()
	addr := strings.TrimPrefix(b.srv.URL, "http://")
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: b.srv.Config.Handler}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
}
