package natsrpc_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/broker/natsrpc"
	"github.com/harp-rpc/harp/internal/natstest"
	"github.com/harp-rpc/harp/natsd"
	"github.com/harp-rpc/harp/rpc"
)

// startNATS starts an embedded single-node broker with JetStream for t.
func startNATS(t testing.TB) *natsd.Server {
	t.Helper()
	return natstest.Start(t)
}

// dial connects a transport to url, closed with t.
func dial(t testing.TB, url string, mod func(*natsrpc.Config)) *natsrpc.Transport {
	t.Helper()
	cfg := natsrpc.DefaultConfig()
	cfg.URL = url
	if mod != nil {
		mod(cfg)
	}
	tr, err := natsrpc.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// service is the registry the tests serve, with counters to check what ran.
type service struct {
	name    string
	ran     atomic.Int64
	active  atomic.Int64
	peak    atomic.Int64
	mu      sync.Mutex
	seen    map[string]int // casts run, by key
	release chan struct{}  // closed to let "block" return
}

func newService(name string) *service {
	return &service{name: name, seen: map[string]int{}, release: make(chan struct{})}
}

func (s *service) registry(t testing.TB) *rpc.Registry {
	t.Helper()
	r, err := rpc.NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	r.MustRegister("add", func(a, b int) int { s.ran.Add(1); return a + b }, "a+b")
	r.MustRegister("whoami", func() string { s.ran.Add(1); return s.name }, "the server's name")
	r.MustRegister("ctx", func(ctx context.Context) (map[string]any, error) {
		_, hasDeadline := ctx.Deadline()
		return map[string]any{"rc": map[string]any(broker.ContextFrom(ctx)), "id": rpc.RequestID(ctx), "deadline": hasDeadline}, nil
	}, "what the handler's context carries")
	r.MustRegister("fail", func(code int) error { s.ran.Add(1); return &rpc.Error{Code: code, Message: "failed on purpose"} }, "a fault")
	r.MustRegister("sleep", func(ctx context.Context, ms int) (int, error) {
		n := s.active.Add(1)
		defer s.active.Add(-1)
		for {
			p := s.peak.Load()
			if n <= p || s.peak.CompareAndSwap(p, n) {
				break
			}
		}
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
			s.ran.Add(1)
			return ms, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}, "sleeps ms milliseconds")
	r.MustRegister("nap", func(ms int) int {
		time.Sleep(time.Duration(ms) * time.Millisecond)
		return ms
	}, "sleeps ms milliseconds, deaf to its context")
	r.MustRegister("record", func(key string) int {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.seen[key]++
		s.ran.Add(1)
		return s.seen[key]
	}, "counts a key")
	return r
}

func (s *service) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[key]
}

// serve starts a broker.Server of svc on tr for topic, stopped with t.
func serve(t testing.TB, tr broker.Transport, svc *service, mod func(*broker.ServerConfig)) *broker.Server {
	t.Helper()
	cfg := broker.DefaultServerConfig()
	cfg.Target = broker.Target{Topic: "calc", Server: svc.name}
	if mod != nil {
		mod(cfg)
	}
	s, err := broker.NewServer(tr, svc.registry(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return s
}

// newClient returns a client of tr for topic calc.
func newClient(t testing.TB, tr broker.Transport, mod func(*broker.ClientConfig)) *broker.Client {
	t.Helper()
	cfg := broker.DefaultClientConfig()
	cfg.Target = broker.Target{Topic: "calc"}
	cfg.Timeout = 10 * time.Second
	if mod != nil {
		mod(cfg)
	}
	c, err := broker.NewClient(tr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// eventually polls cond every 10 ms for up to d.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
