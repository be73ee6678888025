package natsrpc_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/broker/natsrpc"
)

// A durable cast made while no server is up waits in the stream, and runs once when one comes.
func TestDurableCastWaitsForAServer(t *testing.T) {
	ns := startNATS(t)
	tr := dial(t, ns.ClientURL(), nil)
	c := newClient(t, tr, func(cfg *broker.ClientConfig) { cfg.Durable = true })
	const n = 50
	for i := 0; i < n; i++ {
		if err := c.Cast(context.Background(), "record", fmt.Sprint("k", i)); err != nil {
			t.Fatal(err)
		}
	}
	a, b := newService("a"), newService("b")
	durable := func(cfg *broker.ServerConfig) { cfg.Durable = true }
	serve(t, tr, a, durable)
	serve(t, dial(t, ns.ClientURL(), nil), b, durable)
	eventually(t, 10*time.Second, "every durable cast ran", func() bool { return a.ran.Load()+b.ran.Load() >= n })
	time.Sleep(100 * time.Millisecond)
	for i := 0; i < n; i++ {
		k := fmt.Sprint("k", i)
		if got := a.count(k) + b.count(k); got != 1 {
			t.Errorf("%s ran %d times", k, got)
		}
	}
	// The work queue is empty: every cast was acknowledged.
	js, _ := jetstream.New(tr.Conn())
	st, err := js.Stream(context.Background(), tr.WorkQueueStream(broker.Target{Topic: "calc"}))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the work queue empties", func() bool {
		info, err := st.Info(context.Background())
		return err == nil && info.State.Msgs == 0
	})
	// A durable cast to one server is refused before anything is sent.
	p, _ := c.Prepare(broker.Prepare{Server: "a"})
	if err := p.Cast(context.Background(), "record", "x"); err == nil {
		t.Fatal("a durable cast to a server was taken")
	}
}

// A durable cast whose method keeps failing is delivered MaxDeliver times, then stored on the
// dead-letter subject with why, and never delivered again.
func TestDurableCastDeadLetter(t *testing.T) {
	ns := startNATS(t)
	mod := func(cfg *natsrpc.Config) { cfg.MaxDeliver = 3; cfg.Backoff = 20 * time.Millisecond }
	tr := dial(t, ns.ClientURL(), mod)
	svc := newService("a")
	serve(t, tr, svc, func(cfg *broker.ServerConfig) { cfg.Durable = true })
	c := newClient(t, tr, func(cfg *broker.ClientConfig) { cfg.Durable = true })
	if err := c.Cast(context.Background(), "fail", 7); err != nil {
		t.Fatal(err)
	}
	target := broker.Target{Topic: "calc"}
	js, _ := jetstream.New(tr.Conn())
	var dlq jetstream.Stream
	eventually(t, 10*time.Second, "a dead letter", func() bool {
		var err error
		dlq, err = js.Stream(context.Background(), tr.DeadLetterStream(target))
		if err != nil {
			return false
		}
		info, err := dlq.Info(context.Background())
		return err == nil && info.State.Msgs == 1
	})
	m, err := dlq.GetLastMsgForSubject(context.Background(), tr.DeadLetterSubject(target))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := strconv.Atoi(m.Header.Get(natsrpc.DeliveriesHeader)); n != 3 {
		t.Errorf("dead letter after %q deliveries, want 3", m.Header.Get(natsrpc.DeliveriesHeader))
	}
	if m.Header.Get(natsrpc.ErrorHeader) == "" || m.Header.Get(natsrpc.MethodHeader) != "fail" {
		t.Errorf("dead letter headers %v", m.Header)
	}
	time.Sleep(200 * time.Millisecond)
	if n := svc.ran.Load(); n != 3 {
		t.Fatalf("the failing cast ran %d times, want 3", n)
	}
}

// A durable cast that runs longer than AckWait is kept alive (in progress), not delivered to
// another server meanwhile, nor dead-lettered: it runs once.
func TestDurableCastLongerThanAckWait(t *testing.T) {
	ns := startNATS(t)
	mod := func(cfg *natsrpc.Config) { cfg.AckWait = 300 * time.Millisecond; cfg.MaxDeliver = 2 }
	a, b := newService("a"), newService("b")
	durable := func(cfg *broker.ServerConfig) { cfg.Durable = true }
	serve(t, dial(t, ns.ClientURL(), mod), a, durable)
	serve(t, dial(t, ns.ClientURL(), mod), b, durable)
	c := newClient(t, dial(t, ns.ClientURL(), mod), func(cfg *broker.ClientConfig) { cfg.Durable = true })
	if err := c.Cast(context.Background(), "sleep", 1200); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the long cast ran", func() bool { return a.ran.Load()+b.ran.Load() == 1 })
	time.Sleep(time.Second) // a redelivery would have come by now
	if n := a.ran.Load() + b.ran.Load(); n != 1 || a.peak.Load()+b.peak.Load() != 1 {
		t.Fatalf("the long cast ran %d times, %d at once", n, a.peak.Load()+b.peak.Load())
	}
}
