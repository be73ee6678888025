package cluster_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// BenchmarkClusterOverhead measures what the cluster adds to a call: pick, counters, outcome
// classification and health bookkeeping, around an in-process endpoint that does nothing.
func BenchmarkClusterOverhead(b *testing.B) {
	for _, policy := range cluster.Policies() {
		b.Run(policy, func(b *testing.B) {
			var eps []cluster.Endpoint
			for i := range 100 {
				eps = append(eps, cluster.Endpoint{URL: "inproc://" + string(rune('A'+i%26)) + string(rune('a'+i/26)), Weight: 1 + i%3})
			}
			cfg := cluster.DefaultConfig()
			cfg.Policy = policy
			cfg.Health.Interval = 0
			c, err := cluster.New(eps, func(cluster.Endpoint) (cluster.Caller, error) {
				return cluster.CallerFunc(func(context.Context, string, any, ...any) error { return nil }), nil
			}, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.Call(ctx, "m", nil, 1); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkLoopback compares one harp client with a cluster of three over the same loopback
// servers: the cluster's overhead in calls/s.
func BenchmarkLoopback(b *testing.B) {
	var urls []string
	for range 3 {
		reg, _ := rpc.NewRegistry(nil)
		reg.MustRegister("add", func(x, y int) int { return x + y }, "")
		srv, _ := server.New(reg, nil)
		ts := httptest.NewServer(srv)
		defer ts.Close()
		urls = append(urls, ts.URL+"/RPC2")
	}
	run := func(b *testing.B, call func(ctx context.Context, m string, r any, args ...any) error) {
		ctx := context.Background()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				var s int
				if err := call(ctx, "add", &s, 2, 3); err != nil || s != 5 {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("client", func(b *testing.B) {
		cl, err := client.New(urls[0])
		if err != nil {
			b.Fatal(err)
		}
		defer cl.Close()
		run(b, cl.Call)
	})
	b.Run("cluster", func(b *testing.B) {
		var eps []cluster.Endpoint
		for _, u := range urls {
			eps = append(eps, cluster.Endpoint{URL: u})
		}
		c, err := cluster.New(eps, func(ep cluster.Endpoint) (cluster.Caller, error) { return client.New(ep.URL) }, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		run(b, c.Call)
	})
}
