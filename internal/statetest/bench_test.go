package statetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/registry"
)

// BenchmarkHeartbeatR3 is one registry heartbeat (a TTL'd put, acknowledged once a majority
// stored it) on a three-node cluster, from 32 senders at once, each its own entry.
func BenchmarkHeartbeatR3(b *testing.B) {
	b.Setenv(peertest.NATSServerEnv, "embedded")
	c := peertest.StartNATSCluster(b, 3)
	nc, err := nats.Connect(c.URLs())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	cfg := registry.DefaultConfig()
	cfg.Replicas = 3
	ctx := context.Background()
	if _, err := registry.OpenBucket(ctx, js, cfg); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := fmt.Sprintf("i%d", next.Add(1))
		body := fmt.Appendf(nil, `{"service":"bench","id":%q,"url":"http://10.0.0.1:8000/RPC2","protocol":"xmlrpc","weight":1,"zone":"z1","metadata":{"version":"1.2.3"},"role":"standby","started":"2026-12-02T10:00:00Z","beat":"2026-12-02T10:00:00Z"}`, id)
		for pb.Next() {
			m := &nats.Msg{Subject: "$KV." + cfg.Bucket + ".bench." + id, Data: body, Header: nats.Header{}}
			if _, err := js.PublishMsg(ctx, m, jetstream.WithMsgTTL(cfg.TTL)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkIncrR3 is one incr with its own id from 16 clients through the cluster client, on
// three state instances over an R3 bucket, without faults: the steady rate of TestNoDataLoss.
func BenchmarkIncrR3(b *testing.B) {
	p := newProof(b, time.Second, 3*time.Second)
	stop, err := p.setup(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	if _, err := p.master(context.Background()); err != nil {
		b.Fatal(err)
	}
	var ids atomic.Int64
	b.SetParallelism(8) // 16 clients on GOMAXPROCS 2
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprintf("b%d", ids.Add(1))
			if err := p.c.Call(context.Background(), "incr", nil, "counter", 1, map[string]any{"id": id}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
