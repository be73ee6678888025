package cluster_test

import (
	"context"
	"math/rand/v2"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// BenchmarkClusterOverhead measures what the cluster adds to a call: pick, counters, outcome
// classification and health bookkeeping, around an in-process endpoint that does nothing: for
// every policy among 100 endpoints, and for one endpoint that 64 goroutines share (the worst
// case for contention on its counters), with and without the default attempt timeout.
func BenchmarkClusterOverhead(b *testing.B) {
	type variant struct {
		name, policy   string
		endpoints      int
		attemptTimeout bool
	}
	var vs []variant
	for _, p := range cluster.Policies() {
		vs = append(vs, variant{p, p, 100, true})
	}
	vs = append(vs, variant{"one-endpoint", "round_robin", 1, true}, variant{"one-endpoint-no-attempt-timeout", "round_robin", 1, false})
	for _, v := range vs {
		b.Run(v.name, func(b *testing.B) {
			var eps []cluster.Endpoint
			for i := range v.endpoints {
				eps = append(eps, cluster.Endpoint{URL: "inproc://" + string(rune('A'+i%26)) + string(rune('a'+i/26)), Weight: 1 + i%3})
			}
			cfg := cluster.DefaultConfig()
			cfg.Policy = v.policy
			cfg.Health.Interval = 0
			if !v.attemptTimeout {
				cfg.AttemptTimeout = 0
			}
			if v.endpoints == 1 {
				b.SetParallelism((loopbackGoroutines + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			}
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

type callFn = func(ctx context.Context, method string, reply any, args ...any) error

// loopbackCallers starts one harp server on loopback serving add, and returns the ways of
// calling it that the overhead benchmarks compare: client.Client; a second client.Client like
// the first (a control: what it measures is the benchmark's own noise); client.Client under a 750 ms
// deadline per call (what the cluster's default attempt timeout costs by itself); a cluster of
// that one endpoint with default settings (health checks included); the same without an attempt
// timeout; a cluster of three URLs of the server with default settings.
func loopbackCallers(b *testing.B) (names []string, calls []callFn) {
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }() // as harp serve does: its fast connections
	b.Cleanup(func() { stop(); <-served })
	base := "http://" + ln.Addr().String()
	urls := []string{base + "/RPC2", base + "/", base + "/3"} // three endpoints, one server
	cl, err := client.New(urls[0])
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cl.Close() })
	withDeadline := func(ctx context.Context, m string, r any, args ...any) error {
		ctx, cancel := context.WithTimeout(ctx, 750*time.Millisecond)
		defer cancel()
		return cl.Call(ctx, m, r, args...)
	}
	cl2, err := client.New(urls[0])
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cl2.Close() })
	names, calls = []string{"client", "client-again", "client-timeout"}, []callFn{cl.Call, cl2.Call, withDeadline}
	for _, v := range []struct {
		name           string
		n              int
		attemptTimeout bool
	}{{"cluster1", 1, true}, {"cluster1-no-attempt-timeout", 1, false}, {"cluster3", 3, true}} {
		var eps []cluster.Endpoint
		for _, u := range urls[:v.n] {
			eps = append(eps, cluster.Endpoint{URL: u})
		}
		cfg := cluster.DefaultConfig()
		if !v.attemptTimeout {
			cfg.AttemptTimeout = 0
		}
		c, err := cluster.New(eps, func(ep cluster.Endpoint) (cluster.Caller, error) { return client.New(ep.URL) }, cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		names, calls = append(names, v.name), append(calls, c.Call)
	}
	return names, calls
}

const loopbackGoroutines = 64

func callAdd(b *testing.B, call callFn) {
	var s int
	if err := call(context.Background(), "add", &s, 2, 3); err != nil || s != 5 {
		b.Fatal(s, err)
	}
}

// BenchmarkLoopback runs 64 goroutines calling add on one harp server on loopback through each
// of loopbackCallers, one sub-benchmark after the other. On a shared machine the background load
// changes between sub-benchmarks; BenchmarkLoopbackInterleaved cancels that out.
func BenchmarkLoopback(b *testing.B) {
	names, calls := loopbackCallers(b)
	for i, name := range names {
		b.Run(name, func(b *testing.B) {
			b.SetParallelism((loopbackGoroutines + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					callAdd(b, calls[i])
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
		})
	}
}

// BenchmarkLoopbackSerial makes one call after another through each of loopbackCallers, with
// allocations reported: one goroutine keeps each call's latency far below every timeout even
// under valgrind, so `valgrind --tool=callgrind` instruction counts per call (the difference of
// two runs of different -benchtime Nx) compare the callers on a busy machine.
func BenchmarkLoopbackSerial(b *testing.B) {
	names, calls := loopbackCallers(b)
	for i, name := range names {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				callAdd(b, calls[i])
			}
		})
	}
}

// BenchmarkLoopbackInterleaved measures the cluster's overhead in calls/s over a one-endpoint
// client with the machine's background load cancelled out: 64 goroutines make b.N calls of add
// on one harp server on loopback, all switching together every 20 ms from one of loopbackCallers
// to the next (in a new random order each round, so no caller always follows the same one), so
// each sees the same background load. Each round of slices gives every caller's
// rate; the benchmark reports each caller's calls/s over the run and, per caller, the median over
// rounds of its overhead against client.Client in percent:
//
//	go test -run XXX -bench LoopbackInterleaved -benchtime 10s ./cluster
func BenchmarkLoopbackInterleaved(b *testing.B) {
	names, calls := loopbackCallers(b)
	for _, call := range calls { // connections open, servers warm
		callAdd(b, call)
	}
	const slice = 20 * time.Millisecond
	var (
		mode   atomic.Int32
		counts = make([]atomic.Int64, len(calls))
		left   atomic.Int64
		wg     sync.WaitGroup
		total  = make([]float64, len(calls)) // calls per caller
		spent  = make([]float64, len(calls)) // seconds per caller
		over   = make([][]float64, len(calls))
	)
	left.Store(int64(b.N))
	done := make(chan struct{})
	b.ResetTimer()
	go func() {
		defer close(done)
		rates := make([]float64, len(calls))
		seen := make([]int64, len(calls))
		order := make([]int, len(calls))
		for i := range order {
			order[i] = i
		}
		for left.Load() > 0 {
			rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, m := range order {
				mode.Store(int32(m))
				t0 := time.Now()
				time.Sleep(slice)
				d := time.Since(t0).Seconds()
				n := counts[m].Load()
				rates[m] = float64(n-seen[m]) / d
				total[m], spent[m], seen[m] = total[m]+float64(n-seen[m]), spent[m]+d, n
			}
			if rates[0] > 0 {
				for m := 1; m < len(calls); m++ {
					over[m] = append(over[m], 100*(1-rates[m]/rates[0]))
				}
			}
		}
	}()
	for range loopbackGoroutines {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				m := mode.Load()
				callAdd(b, calls[m])
				counts[m].Add(1)
			}
		})
	}
	wg.Wait()
	<-done
	b.StopTimer()
	for i, name := range names {
		b.ReportMetric(total[i]/spent[i], name+"-calls/s")
		if i > 0 && len(over[i]) > 0 {
			slices.Sort(over[i])
			b.ReportMetric(over[i][len(over[i])/2], name+"-overhead-%")
		}
	}
}
