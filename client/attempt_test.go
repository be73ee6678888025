package client

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/rpc"
)

// stalledListener is a listener whose accept queue is full for the first moments: like a
// Python SimpleXMLRPCServer under load (backlog 5), the kernel drops the SYN of a new connection,
// and the client sends it again after about 1 s. After stall, it accepts.
func stalledListener(t *testing.T, stall time.Duration) (addr string, serve func(http.Handler)) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	sa := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(fd, sa); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil { // room for one connection in the queue
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "stalled")
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	addr = ln.Addr().String()
	// fill the queue: these connections complete their handshake and wait, unaccepted
	for range 2 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			t.Cleanup(func() { c.Close() })
		}
	}
	return addr, func(h http.Handler) {
		go func() {
			time.Sleep(stall)
			_ = http.Serve(ln, h)
		}()
	}
}

// TestAttemptClockStartsOnConnect: with rpc.WithAttemptTimeout, a connect stalled by a full
// backlog (a dropped SYN, sent again after 1 s) does not eat the attempt's time: the call
// succeeds, although it took longer than the attempt timeout. The same call bounded by the
// attempt timeout alone fails before its connection is made, as not sent.
func TestAttemptClockStartsOnConnect(t *testing.T) {
	answer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write([]byte(`<?xml version="1.0"?><methodResponse><params><param><value><int>5</int></value></param></params></methodResponse>`))
	})

	addr, serve := stalledListener(t, 100*time.Millisecond)
	serve(answer)
	c := newClient(t, "http://"+addr+"/RPC2")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	var n int
	if err := c.Call(rpc.WithAttemptTimeout(ctx, 300*time.Millisecond), "add", &n, 2, 3); err != nil || n != 5 {
		t.Fatalf("with the attempt's clock started on connect: %d, %v after %v", n, err, time.Since(start))
	}
	took := time.Since(start)
	t.Logf("answered after %v (the attempt timeout is 300ms)", took.Round(time.Millisecond))
	if took < 300*time.Millisecond {
		t.Skip("the connect did not stall (the kernel accepted at once): nothing to show")
	}

	addr2, serve2 := stalledListener(t, 100*time.Millisecond)
	serve2(answer)
	c2 := newClient(t, "http://"+addr2+"/RPC2")
	actx, acancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer acancel()
	err := c2.Call(actx, "add", &n, 2, 3)
	var te *TransportError
	if !errors.As(err, &te) || !te.Timeout() || !te.NotSent() {
		t.Fatalf("bounded by the attempt timeout alone: %v, want a not-sent timeout", err)
	}
}

// TestAttemptClockAfterConnect: once connected, the attempt's clock bounds the call: a server
// that does not answer ends it after the attempt timeout as a timeout that may have been sent.
func TestAttemptClockAfterConnect(t *testing.T) {
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hang })}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	c := newClient(t, "http://"+ln.Addr().String()+"/RPC2")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	err = c.Call(rpc.WithAttemptTimeout(ctx, 200*time.Millisecond), "add", nil, 2, 3)
	var te *TransportError
	if !errors.As(err, &te) || !te.Timeout() || te.NotSent() || !errors.Is(err, errAttemptTimeout) {
		t.Fatalf("%v, want the attempt's timeout, sent", err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
		t.Fatalf("ended after %v, want about 200ms", d)
	}
}

// TestClusterConnectTimeout: a cluster with ConnectTimeout gives a stalled connect its own
// clock, so a call to a backend with a full backlog succeeds within one attempt of 300 ms;
// without it the attempt fails before its connection is made.
func TestClusterConnectTimeout(t *testing.T) {
	answer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write([]byte(`<?xml version="1.0"?><methodResponse><params><param><value><int>5</int></value></param></params></methodResponse>`))
	})
	call := func(connect time.Duration) (time.Duration, error) {
		addr, serve := stalledListener(t, 100*time.Millisecond)
		serve(answer)
		cfg := cluster.DefaultConfig()
		cfg.AttemptTimeout, cfg.ConnectTimeout = 300*time.Millisecond, connect
		cfg.Retry.MaxAttempts = 1
		cfg.Health.Interval = 0
		c, err := cluster.New([]cluster.Endpoint{{URL: "http://" + addr + "/RPC2"}},
			func(ep cluster.Endpoint) (cluster.Caller, error) { return New(ep.URL) }, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := time.Now()
		var n int
		err = c.Call(context.Background(), "add", &n, 2, 3)
		if err == nil && n != 5 {
			t.Fatalf("add answered %d", n)
		}
		return time.Since(start), err
	}
	took, err := call(3 * time.Second)
	if err != nil {
		t.Fatalf("ConnectTimeout 3s: %v after %v", err, took)
	}
	if took < 300*time.Millisecond {
		t.Skip("the connect did not stall (the kernel accepted at once): nothing to show")
	}
	t.Logf("ConnectTimeout 3s: answered after %v", took.Round(time.Millisecond))
	if took, err := call(0); err == nil {
		t.Fatalf("ConnectTimeout 0: answered after %v, want the 300 ms attempt to fail", took)
	} else if !cluster.Classify(context.Background(), err).Failed() {
		t.Fatalf("ConnectTimeout 0: %v", err)
	}
}
