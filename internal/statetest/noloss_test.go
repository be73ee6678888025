package statetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/election"
	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/registry"
	"github.com/harp-rpc/harp/state"
)

// outcome is what one increment's caller ended with.
type outcome struct {
	id        string
	acked     bool  // answered with a value
	value     int64 // the value answered
	uncertain bool  // some attempt may have been applied without the caller learning it
	attempts  int
}

// harness is one run: the NATS cluster, the instances and the cluster client.
type harness struct {
	t         testing.TB
	nats      *peertest.NATSCluster
	nc        *nats.Conn
	js        jetstream.JetStream
	spec      instanceSpec
	instances map[string]*instance
	c         *cluster.Cluster
	watcher   *registry.Watcher
	done      atomic.Int64
	mu        sync.Mutex
	successes []span // attempts that were answered
}

func newHarness(t testing.TB, nInstances int, beat, ttl time.Duration) *harness {
	t.Helper()
	t.Setenv(peertest.NATSServerEnv, "embedded") // Debian's nats-server 2.9 has no atomic batches
	h := &harness{t: t, instances: map[string]*instance{}}
	h.nats = peertest.StartNATSCluster(t, 3)
	h.spec = instanceSpec{NATS: h.nats.URLs(), Replicas: 3, Beat: beat, TTL: ttl}
	var err error
	h.nc, err = nats.Connect(h.nats.URLs(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.nc.Close)
	h.js, _ = jetstream.New(h.nc)
	for i := range nInstances {
		h.start(fmt.Sprintf("s%d", i))
	}
	rcfg := registry.DefaultConfig()
	rcfg.Replicas = 3
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h.watcher, err = registry.NewWatcher(ctx, h.js, "state", registry.MasterOnly, rcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.watcher.Close() })
	ccfg := cluster.DefaultConfig()
	ccfg.Health.Interval = 0 // the registry and the calls themselves say who is up
	ccfg.Retry.BudgetReserve, ccfg.Retry.BudgetMax = 1000, 1000
	ccfg.AttemptTimeout = 2 * time.Second
	h.c, err = cluster.NewWithResolver(ctx, h.watcher, election.MasterFactory(func(ep cluster.Endpoint) (cluster.Caller, error) {
		return client.New(ep.URL)
	}), ccfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.c.Close() })
	t.Cleanup(h.watcher.Follow(h.c))
	return h
}

func (h *harness) start(id string) *instance {
	sp := h.spec
	sp.ID = id
	in := startInstance(h.t, sp)
	h.instances[id] = in
	return in
}

// master returns the instance holding the lease, waiting up to d for a live one.
func (h *harness) master(d time.Duration) *instance {
	h.t.Helper()
	deadline := time.Now().Add(d)
	for ; time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		kv, err := h.js.KeyValue(context.Background(), "harp_state")
		if err != nil {
			continue
		}
		e, err := kv.Get(context.Background(), "_election.state.lease")
		if err != nil {
			continue
		}
		var l struct{ ID string }
		if json.Unmarshal(e.Value(), &l) == nil {
			if in := h.instances[l.ID]; in != nil && alive(in) {
				return in
			}
		}
	}
	h.t.Fatalf("no live master within %v", d)
	return nil
}

func alive(in *instance) bool {
	select {
	case <-in.done:
		return false
	default:
		return true
	}
}

// incr increments the counter under id until answered or the budget runs out, retrying an
// uncertain attempt with the same id.
func (h *harness) incr(ctx context.Context, id string, budget time.Duration) outcome {
	o := outcome{id: id}
	deadline := time.Now().Add(budget)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		o.attempts++
		start := time.Now()
		actx, cancel := context.WithTimeout(ctx, 3*time.Second)
		var n int64
		err := h.c.Call(actx, "incr", &n, "counter", 1, map[string]any{"id": id})
		cancel()
		if err == nil {
			o.acked, o.value = true, n
			h.mu.Lock()
			h.successes = append(h.successes, span{start, time.Now()})
			h.mu.Unlock()
			return o
		}
		if h.maybeApplied(err) {
			o.uncertain = true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return o
}

// maybeApplied reads a failed attempt: false when it provably applied nothing.
func (h *harness) maybeApplied(err error) bool {
	var f interface{ FaultCode() int }
	if errors.As(err, &f) {
		switch f.FaultCode() {
		case election.CodeNotMaster, state.CodeRetry:
			return false
		case state.CodeUncertain:
			return true
		}
		h.t.Errorf("unexpected fault: %v", err)
		return true
	}
	var ns interface{ NotSent() bool }
	if errors.Is(err, cluster.ErrNoEndpoints) || errors.As(err, &ns) && ns.NotSent() {
		return false
	}
	return true
}

// span is one answered attempt: when it was asked and when answered.
type span struct{ start, end time.Time }

// waitAnswered waits until an attempt asked after t was answered and returns the time from t
// to the earliest such answer: the failover time when t is a kill.
func (h *harness) waitAnswered(t time.Time, d time.Duration) time.Duration {
	h.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		h.mu.Lock()
		best := time.Duration(-1)
		for _, s := range h.successes {
			if s.start.After(t) && (best < 0 || s.end.Sub(t) < best) {
				best = s.end.Sub(t)
			}
		}
		h.mu.Unlock()
		if best >= 0 {
			time.Sleep(50 * time.Millisecond) // let answers in flight land, then take the earliest
			h.mu.Lock()
			for _, s := range h.successes {
				if s.start.After(t) && s.end.Sub(t) < best {
					best = s.end.Sub(t)
				}
			}
			h.mu.Unlock()
			return best
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.t.Fatalf("no call answered within %v of %v", d, t)
	return 0
}

func (h *harness) waitDone(n int64, d time.Duration) {
	h.t.Helper()
	deadline := time.Now().Add(d)
	for h.done.Load() < n {
		if time.Now().After(deadline) {
			h.t.Fatalf("only %d increments done after %v, waiting for %d", h.done.Load(), d, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func total() int {
	if s := os.Getenv("HARP_NOLOSS_INCR"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	if testing.Short() {
		return 2000
	}
	return 20000
}

// streamLeader returns the NATS node leading the state bucket's stream.
func (h *harness) streamLeader() *peertest.NATSNode {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := h.js.Stream(ctx, "KV_harp_state")
	if err != nil {
		h.t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, n := range h.nats.Nodes {
		if info.Cluster != nil && n.Name == info.Cluster.Leader {
			return n
		}
	}
	h.t.Fatalf("no node leads the stream: %+v", info.Cluster)
	return nil
}
