package registry_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/registry"
)

// BenchmarkHeartbeat is one heartbeat (a TTL'd put of a ~250-byte announcement, acknowledged
// by the store) from many instances at once: b.N heartbeats spread over GOMAXPROCS×16 senders,
// each its own key. ns/op is the store's cost per heartbeat; 1e9/ns is the heartbeat rate one
// node sustains, and that rate times the beat period the entries it holds.
func BenchmarkHeartbeat(b *testing.B) {
	js, _ := startJS(b)
	ctx := context.Background()
	cfg := registry.DefaultConfig()
	if _, err := registry.OpenBucket(ctx, js, cfg); err != nil {
		b.Fatal(err)
	}
	a := registry.Announcement{Service: "bench", URL: "http://127.0.0.1:8000/RPC2", Protocol: "xmlrpc", Weight: 1, Zone: "z1",
		Metadata: map[string]string{"version": "1.2.3"}, Role: "standby", Started: time.Now(), Beat: time.Now()}
	var next atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := fmt.Sprintf("i%d", next.Add(1))
		subj := "$KV." + cfg.Bucket + ".bench." + id
		body := []byte(fmt.Sprintf(`{"service":"bench","id":%q,"url":%q,"protocol":"xmlrpc","weight":1,"zone":"z1","metadata":{"version":"1.2.3"},"role":"standby","started":"2026-12-02T10:00:00Z","beat":"2026-12-02T10:00:00Z"}`, id, a.URL))
		for pb.Next() {
			m := &nats.Msg{Subject: subj, Data: body, Header: nats.Header{}}
			if _, err := js.PublishMsg(ctx, m, jetstream.WithMsgTTL(cfg.TTL)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkWatcherLoad is a watcher's start on a bucket of 10,000 live entries: the time until
// every entry is loaded.
func BenchmarkWatcherLoad(b *testing.B) {
	js, _ := startJS(b)
	ctx := context.Background()
	cfg := registry.DefaultConfig()
	cfg.TTL = time.Hour // the entries stay for the whole benchmark
	if _, err := registry.OpenBucket(ctx, js, cfg); err != nil {
		b.Fatal(err)
	}
	const n = 10000
	for i := range n {
		body := fmt.Appendf(nil, `{"service":"load","id":"i%d","url":"http://10.0.0.1:%d/RPC2","started":"2026-12-02T10:00:00Z","beat":"2026-12-02T10:00:00Z"}`, i, i)
		if _, err := js.PublishAsync(fmt.Sprintf("$KV.%s.load.i%d", cfg.Bucket, i), body); err != nil {
			b.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
	for b.Loop() {
		w, err := registry.NewWatcher(ctx, js, "load", nil, cfg)
		if err != nil {
			b.Fatal(err)
		}
		if got := len(w.Entries()); got != n {
			b.Fatalf("%d entries loaded, want %d", got, n)
		}
		w.Close()
	}
}
