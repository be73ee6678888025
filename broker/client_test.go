package broker_test

import (
	"context"
	"testing"
	"time"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// seen is a Transport that records what a call or cast brought it and answers 5.
type seen struct {
	m           broker.Message
	hasDeadline bool
	left        time.Duration
	casts       int
}

func (s *seen) record(ctx context.Context, m *broker.Message) {
	s.m = *m
	dl, ok := ctx.Deadline()
	s.hasDeadline, s.left = ok, time.Until(dl)
}

func (s *seen) Call(ctx context.Context, _ broker.Target, m *broker.Message, dst []byte) ([]byte, error) {
	s.record(ctx, m)
	answer, err := xmlrpc.MarshalResponse(5)
	return append(dst, answer...), err
}

func (s *seen) Cast(ctx context.Context, _ broker.Target, m *broker.Message) error {
	s.record(ctx, m)
	s.casts++
	return nil
}

func (s *seen) Listen(context.Context, broker.ListenConfig, broker.Handler) (broker.Listener, error) {
	return nil, broker.ErrUnsupported
}

func (s *seen) Close() error { return nil }

// A call's bound travels as the message's Timeout: the client's timeout when the context has
// no deadline or a later one (the context is passed on as it is), the context's time left when
// that is shorter. A cast's context carries the bound too.
func TestClientTimeoutTravels(t *testing.T) {
	tr := &seen{}
	cfg := broker.DefaultClientConfig()
	cfg.Target = broker.Target{Topic: "calc"}
	cfg.Timeout = 3 * time.Second
	c, err := broker.NewClient(tr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var sum int
	if err := c.Call(context.Background(), "add", &sum, 2, 3); err != nil || sum != 5 {
		t.Fatalf("call: %d, %v", sum, err)
	}
	if tr.m.Timeout != 3*time.Second || tr.hasDeadline {
		t.Fatalf("no deadline: Timeout %v, context deadline %v; want 3s and none", tr.m.Timeout, tr.hasDeadline)
	}
	later, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	if err := c.Call(later, "add", &sum, 2, 3); err != nil || tr.m.Timeout != 3*time.Second {
		t.Fatalf("later deadline: Timeout %v, %v; want 3s", tr.m.Timeout, err)
	}
	early, cancelEarly := context.WithTimeout(context.Background(), time.Second)
	defer cancelEarly()
	if err := c.Call(early, "add", &sum, 2, 3); err != nil || tr.m.Timeout <= 0 || tr.m.Timeout > time.Second {
		t.Fatalf("earlier deadline: Timeout %v, %v; want at most 1s", tr.m.Timeout, err)
	}
	if err := c.Cast(context.Background(), "add", 2, 3); err != nil || tr.casts != 1 {
		t.Fatalf("cast: %v, %d casts", err, tr.casts)
	}
	if !tr.hasDeadline || tr.left > 3*time.Second || tr.m.Timeout > 3*time.Second {
		t.Fatalf("cast's context: deadline %v in %v, Timeout %v; want 3s", tr.hasDeadline, tr.left, tr.m.Timeout)
	}
	jcfg := *cfg
	jcfg.Codec = rpc.NewJSONClientCodec(jsonrpc.EncodeOptions{}, jsonrpc.DecodeOptions{})
	jc, err := broker.NewClient(tr, &jcfg)
	if err != nil {
		t.Fatal(err)
	}
	tr.hasDeadline = false
	if err := jc.RPC().Notify(context.Background(), "add", 2, 3); err != nil || tr.casts != 2 {
		t.Fatalf("notify: %v, %d casts", err, tr.casts)
	}
	if !tr.hasDeadline || tr.left > 3*time.Second || tr.m.Timeout > 3*time.Second {
		t.Fatalf("notify's context: deadline %v in %v, Timeout %v; want 3s", tr.hasDeadline, tr.left, tr.m.Timeout)
	}
	none, err := c.Prepare(broker.Prepare{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Timeout = 0
	unbounded, err := broker.NewClient(tr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := unbounded.Call(context.Background(), "add", &sum, 2, 3); err != nil || tr.m.Timeout != 0 {
		t.Fatalf("no timeout: Timeout %v, %v; want 0", tr.m.Timeout, err)
	}
	if err := none.Call(context.Background(), "add", &sum, 2, 3); err != nil || tr.m.Timeout != 3*time.Second {
		t.Fatalf("prepared: Timeout %v, %v; want the client's 3s", tr.m.Timeout, err)
	}
}
