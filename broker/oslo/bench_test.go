package oslo

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
)

// BenchmarkOsloCall measures calls of add(x=, y=) answered by one harp Server (harpsrv) and by
// one Python oslo.messaging server (pysrv), side by side from a harp Client and from Python's
// oslo.messaging RPCClient (a process of its own), at 1 and 16 concurrent callers, on the same
// broker. Run with a fixed count, as in
//
//	go test -run '^$' -bench BenchmarkOsloCall -benchtime 2000x ./broker/oslo
//
// Each reports calls/s; the Python figure is timed by the script itself (start-up excluded).
func BenchmarkOsloCall(b *testing.B) {
	r := peertest.SharedRabbit(b)
	htopic := "harp_bench_" + uuidHex()[:8]
	listen(b, r.URL, htopic, "b1")
	b.Run("harpsrv", func(b *testing.B) { benchClients(b, r, htopic) })
	b.Run("pysrv", func(b *testing.B) {
		peertest.Oslo(b)
		ptopic := "harp_pybench_" + uuidHex()[:8]
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		peertest.StartOslo(ctx, b, "testdata/oslo_server.py", pyURL(r.URL), ptopic, "pb1")
		benchClients(b, r, ptopic)
	})
}

// benchClients runs the harp and Python clients against topic's server.
func benchClients(b *testing.B, r *peertest.Rabbit, topic string) {
	for _, conc := range []int{1, 16} {
		b.Run("harp/c"+strconv.Itoa(conc), func(b *testing.B) {
			c := dialClient(b, r.URL, topic, nil)
			ctx := context.Background()
			if err := c.Call(ctx, "add", map[string]int{"x": 1, "y": 1}, nil); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			per := max(b.N/conc, 1)
			errs := make(chan error, conc)
			for range conc {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var sum int
					for i := range per {
						if err := c.Call(ctx, "add", map[string]int{"x": i, "y": 1}, &sum); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(per*conc)/time.Since(start).Seconds(), "calls/s")
		})
		b.Run("python/c"+strconv.Itoa(conc), func(b *testing.B) {
			peertest.Oslo(b)
			n := max(b.N, conc)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			out, err := peertest.RunOslo(ctx, b, "testdata/oslo_bench.py", pyURL(r.URL), topic, strconv.Itoa(n), strconv.Itoa(conc))
			if err != nil {
				b.Fatal(err)
			}
			var res struct {
				Calls  int      `json:"calls"`
				Rate   float64  `json:"rate"`
				Errors []string `json:"errors"`
			}
			if err := json.Unmarshal(out, &res); err != nil || len(res.Errors) > 0 {
				b.Fatal(fmt.Sprint(err, res.Errors, string(out)))
			}
			b.ReportMetric(res.Rate, "calls/s")
		})
	}
}
