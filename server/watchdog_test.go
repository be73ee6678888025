package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// timeoutServer serves the test registry under Serve with the given write and idle timeouts and
// a 100 ms header timeout.
func timeoutServer(t *testing.T, reg *rpc.Registry, write, idle time.Duration) string {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.Logger = discardLogger()
	cfg.WriteTimeout, cfg.IdleTimeout, cfg.ReadHeaderTimeout = write, idle, 100*time.Millisecond
	s, err := server.New(reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serveLocal(t, context.Background(), s)
	return addr
}

// closedWithin waits for the server to close c and returns how long that took from start; it
// fails the test if c is still open after limit.
func closedWithin(t *testing.T, c net.Conn, start time.Time, limit time.Duration) time.Duration {
	t.Helper()
	_ = c.SetReadDeadline(start.Add(limit))
	n, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open %v after start (%d bytes read)", limit, n)
	}
	return time.Since(start)
}

// TestIdleTimeout: a keep-alive connection idle past IdleTimeout is closed, not before it, and
// one that keeps calling stays open however long it lives.
func TestIdleTimeout(t *testing.T) {
	const idle = 300 * time.Millisecond
	addr := timeoutServer(t, testRegistry(t, nil), 10*time.Second, idle)
	busy := dial(t, addr)
	bbr := bufio.NewReader(busy)
	c := dial(t, addr)
	postAdd(t, c, bufio.NewReader(c))
	// The idle connection's close is timed from its last answer by a reader of its own, so a
	// busy machine slowing the loop below cannot make the close look late.
	start := time.Now()
	type result struct {
		err error
		el  time.Duration
	}
	closed := make(chan result, 1)
	go func() {
		_ = c.SetReadDeadline(start.Add(5 * time.Second))
		_, err := io.Copy(io.Discard, c)
		closed <- result{err, time.Since(start)}
	}()
	for range 6 { // 600 ms of calls 100 ms apart: never idle long
		postAdd(t, busy, bbr)
		time.Sleep(idle / 3)
	}
	r := <-closed
	var ne net.Error
	if errors.As(r.err, &ne) && ne.Timeout() {
		t.Fatalf("idle connection still open 5s after its last answer")
	}
	if r.el < idle {
		t.Errorf("idle connection closed after %v, before IdleTimeout %v", r.el, idle)
	}
	if r.el > idle+idle/8+300*time.Millisecond {
		t.Errorf("idle connection closed after %v, want about %v", r.el, idle)
	}
	postAdd(t, busy, bbr)
}

// TestNoIdleTimeout: IdleTimeout 0 means none, not the read timeout net/http would take for it.
func TestNoIdleTimeout(t *testing.T) {
	addr := timeoutServer(t, testRegistry(t, nil), 10*time.Second, 0)
	c := dial(t, addr)
	br := bufio.NewReader(c)
	postAdd(t, c, br)
	time.Sleep(400 * time.Millisecond) // four times the header (and read) timeout
	postAdd(t, c, br)
}

// TestWriteTimeoutCancelsCall: a call still running past WriteTimeout loses its connection, and its
// context is cancelled, so a handler that honours it stops.
func TestWriteTimeoutCancelsCall(t *testing.T) {
	const write = 300 * time.Millisecond
	reg := testRegistry(t, nil)
	var cancelled atomic.Bool
	done := make(chan struct{})
	reg.MustRegister("wait", func(ctx context.Context) bool {
		defer close(done)
		select {
		case <-ctx.Done():
			cancelled.Store(true)
		case <-time.After(5 * time.Second):
		}
		return true
	}, "Waits for its context.")
	addr := timeoutServer(t, reg, write, 10*time.Second)
	c := dial(t, addr)
	body, _ := xmlrpc.MarshalCall("wait")
	start := time.Now()
	if _, err := io.WriteString(c, "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: "+
		strconv.Itoa(len(body))+"\r\n\r\n"+string(body)); err != nil {
		t.Fatal(err)
	}
	el := closedWithin(t, c, start, 4*time.Second)
	if el < write {
		t.Errorf("connection closed after %v, before WriteTimeout %v", el, write)
	}
	select {
	case <-done:
	case <-time.After(4 * time.Second):
		t.Fatal("handler still running 4 s after its connection was closed")
	}
	if !cancelled.Load() {
		t.Error("the handler's context was not cancelled")
	}
}
