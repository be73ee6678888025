package natsrpc

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// waitUntil polls cond for up to limit.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPoolGrowsForSlowDeliveries holds the pool's promise: one worker while deliveries are
// short, more (never over max) when those running are all held and messages wait, so a quick
// delivery behind slow ones runs in milliseconds; back to one worker once idle; none after close.
func TestPoolGrowsForSlowDeliveries(t *testing.T) {
	hold := make(chan struct{})
	var ran atomic.Int64
	quick := make(chan struct{}, 1)
	p := newPool(64, 5, func(nm *nats.Msg) {
		if nm.Subject == "slow" {
			<-hold
		} else {
			quick <- struct{}{}
		}
		ran.Add(1)
	})
	p.start()
	for range 8 {
		p.msgs <- &nats.Msg{Subject: "slow"}
	}
	p.msgs <- &nats.Msg{Subject: "quick"}
	waitUntil(t, 5*time.Second, "the pool grows to its max", func() bool { return p.n.Load() == 5 })
	time.Sleep(20 * time.Millisecond)
	if n := p.n.Load(); n > 5 {
		t.Fatalf("%d workers, max 5", n)
	}
	select {
	case <-quick:
		t.Fatal("the quick delivery ran before a worker was free: 8 slow ones were ahead of it, 5 workers")
	default:
	}
	close(hold)
	select {
	case <-quick:
	case <-time.After(5 * time.Second):
		t.Fatal("the quick delivery never ran")
	}
	waitUntil(t, 5*time.Second, "every delivery runs", func() bool { return ran.Load() == 9 })
	waitUntil(t, 5*time.Second, "idle workers retire to one", func() bool { return p.n.Load() == 1 })
	p.close()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("workers or the watch outlived close")
	}
}

// TestPoolQuickBehindSlow checks that a quick delivery behind one slow one waits only for the
// watch to see the worker held (a few ticks), not for the slow one to end.
func TestPoolQuickBehindSlow(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	quick := make(chan struct{}, 1)
	p := newPool(64, 4, func(nm *nats.Msg) {
		if nm.Subject == "slow" {
			<-hold
			return
		}
		quick <- struct{}{}
	})
	p.start()
	defer p.close()
	p.msgs <- &nats.Msg{Subject: "slow"}
	waitUntil(t, 5*time.Second, "the slow delivery begins", func() bool { return p.busy.Load() == 1 })
	p.msgs <- &nats.Msg{Subject: "quick"}
	select {
	case <-quick:
	case <-time.After(5 * time.Second):
		t.Fatal("a quick delivery waited behind a slow one")
	}
}
