package cluster_test

import (
	"context"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
	"time"

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

// BenchmarkLoopback measures the cluster's overhead in calls/s over a one-endpoint client: 64
// goroutines call add on one harp server on loopback through client.Client, through a cluster of
// that one endpoint, and through a cluster of three URLs of the same server, all with default
// settings (health checks included). Compare the sub-benchmarks' ns/op, run interleaved:
//
//	go test -run XXX -bench Loopback -benchtime 2s -count 3 ./cluster
func BenchmarkLoopback(b *testing.B) {
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		b.Fatal(err)
	}
	reg.MustRegister("add", func(x, y int) int { return x + y }, "")
	scfg := server.DefaultConfig()
	scfg.Paths = []string{"/", "/RPC2", "/3"}
	srv, err := server.New(reg, scfg)
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	urls := []string{ts.URL + "/RPC2", ts.URL + "/", ts.URL + "/3"} // three endpoints, one server
	const goroutines = 64
	run := func(b *testing.B, call func(ctx context.Context, m string, r any, args ...any) error) {
		ctx := context.Background()
		b.SetParallelism((goroutines + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				var s int
				if err := call(ctx, "add", &s, 2, 3); err != nil || s != 5 {
					b.Fatal(err)
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	}
	b.Run("client", func(b *testing.B) {
		cl, err := client.New(urls[0])
		if err != nil {
			b.Fatal(err)
		}
		defer cl.Close()
		run(b, cl.Call)
	})
	b.Run("client-timeout", func(b *testing.B) {
		cl, err := client.New(urls[0])
		if err != nil {
			b.Fatal(err)
		}
		defer cl.Close()
		run(b, func(ctx context.Context, m string, r any, args ...any) error {
			ctx, cancel := context.WithTimeout(ctx, 750*time.Millisecond)
			defer cancel()
			return cl.Call(ctx, m, r, args...)
		})
	})
	for _, n := range []int{1, 3} {
		b.Run("cluster"+strconv.Itoa(n), func(b *testing.B) {
			var eps []cluster.Endpoint
			for _, u := range urls[:n] {
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
}
