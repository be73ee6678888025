package natsrpc_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/broker/natsrpc"
	"github.com/harp-rpc/harp/internal/peertest"
)

// rotate returns the cluster's URLs starting at node i, for a connection that prefers it.
func rotate(c *peertest.NATSCluster, i int) string {
	var u []string
	for j := range c.Nodes {
		u = append(u, c.Nodes[(i+j)%len(c.Nodes)].ClientURL)
	}
	return strings.Join(u, ",")
}

// A real three-node NATS cluster loses a node (SIGKILL) under load: calls go on, and every
// durable cast that was accepted runs exactly once, none twice.
func TestClusterNodeKilledUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a 3-node cluster under load; not in -short")
	}
	c := peertest.StartNATSCluster(t, 3)
	mod := func(i int) func(*natsrpc.Config) {
		return func(cfg *natsrpc.Config) {
			cfg.URL = rotate(c, i)
			cfg.Replicas = 3
			cfg.AckWait = 2 * time.Second
			cfg.ReconnectWait = 50 * time.Millisecond
			cfg.Options = []nats.Option{nats.DontRandomize()}
		}
	}
	a, b := newService("a"), newService("b")
	durable := func(cfg *broker.ServerConfig) { cfg.Durable = true }
	serve(t, dial(t, "", mod(0)), a, durable)
	serve(t, dial(t, "", mod(1)), b, durable)
	callers := []*broker.Client{
		newClient(t, dial(t, "", mod(1)), func(cfg *broker.ClientConfig) { cfg.Timeout = 2 * time.Second }),
		newClient(t, dial(t, "", mod(2)), func(cfg *broker.ClientConfig) { cfg.Timeout = 2 * time.Second }),
	}
	caster := newClient(t, dial(t, "", mod(1)), func(cfg *broker.ClientConfig) { cfg.Durable = true })

	const loadFor, killAt = 4 * time.Second, 1500 * time.Millisecond
	var okCalls, failedCalls, okAfter atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := callers[g%2]
			for i := 0; time.Since(start) < loadFor && i < 100000; i++ {
				var sum int
				err := cl.Call(context.Background(), "add", &sum, g, i)
				switch {
				case err == nil && sum == g+i:
					okCalls.Add(1)
					if time.Since(start) > killAt+time.Second {
						okAfter.Add(1)
					}
				default:
					failedCalls.Add(1)
				}
			}
		}()
	}
	var accepted, refused []string
	var castMu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; time.Since(start) < loadFor && i < 400; i++ {
			key := fmt.Sprint("cast-", i)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := caster.Cast(ctx, "record", key)
			cancel()
			castMu.Lock()
			if err == nil {
				accepted = append(accepted, key)
			} else {
				refused = append(refused, key)
			}
			castMu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	}()
	time.Sleep(killAt)
	c.Nodes[1].Kill()
	wg.Wait()

	t.Logf("calls: %d answered, %d failed, %d answered from 1 s after the kill on", okCalls.Load(), failedCalls.Load(), okAfter.Load())
	if okAfter.Load() < 100 {
		t.Errorf("calls did not go on after the node was killed: %d answered", okAfter.Load())
	}
	// Every accepted cast runs once; a refused one (its store unconfirmed) at most once.
	runs := func(k string) int { return a.count(k) + b.count(k) }
	eventually(t, 30*time.Second, "every accepted durable cast ran", func() bool {
		for _, k := range accepted {
			if runs(k) == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(3 * time.Second) // past AckWait: a cast acknowledged but not recorded would come back
	twice, total := 0, 0
	for _, k := range append(accepted, refused...) {
		total += runs(k)
		if runs(k) > 1 {
			twice++
			t.Errorf("%s ran %d times", k, runs(k))
		}
	}
	t.Logf("durable casts: %d accepted, %d refused; %d runs in all; run twice: %d",
		len(accepted), len(refused), total, twice)
	if len(accepted) < 30 {
		t.Errorf("only %d durable casts accepted", len(accepted))
	}
}
