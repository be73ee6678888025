package client

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// TestAgainstHarpServer checks the classifications the cluster relies on against harp's own
// server: a call refused at capacity (503) is not sent; a fault is a fault; a handler cancelled
// by the caller's deadline is a timeout that was sent.
func TestAgainstHarpServer(t *testing.T) {
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	reg.MustRegister("block", func(ctx context.Context) (bool, error) {
		entered <- struct{}{}
		select {
		case <-release:
			return true, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}, "Blocks until released.")
	reg.MustRegister("fail", func(code int) error { return &xmlrpc.Fault{Code: code, String: "asked to"} }, "Faults.")
	cfg := server.DefaultConfig()
	cfg.MaxInFlight = 1
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := newClient(t, ts.URL)
	ctx := context.Background()

	done := make(chan error, 1)
	go func() { done <- c.Call(ctx, "block", nil) }()
	<-entered
	err = c.Call(ctx, "fail", nil, 5)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 503 || !se.NotSent() || se.RetryAfter != time.Second {
		t.Fatalf("call beyond MaxInFlight: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var f *xmlrpc.Fault
	if err := c.Call(ctx, "fail", nil, 5); !errors.As(err, &f) || f.Code != 5 {
		t.Fatalf("fault: %v", err)
	}

	release = make(chan struct{})
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err = c.Call(short, "block", nil)
	var te *TransportError
	if !errors.As(err, &te) || !te.Timeout() || te.NotSent() {
		t.Fatalf("deadline in the handler: %v", err)
	}
	<-entered
}
