package state_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/state"
)

// BenchmarkIncr is one incr with its own idempotency key over XML-RPC on HTTP, from 16 (and
// 64) clients at once on one counter, on one embedded node (R1, file storage): the group commit
// folds the concurrent increments into one atomic batch.
func BenchmarkIncr(b *testing.B) {
	for _, par := range []int{16, 64} {
		b.Run(fmt.Sprintf("clients=%d", par), func(b *testing.B) {
			nc := startNATS(b)
			svc, err := state.New(context.Background(), nc, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer svc.Close(context.Background())
			for !svc.Election().IsMaster() {
				time.Sleep(time.Millisecond)
			}
			reg, _ := rpc.NewRegistry(nil)
			svc.Register(reg, "")
			srv, _ := server.New(reg, nil)
			ts := httptest.NewServer(srv)
			defer ts.Close()
			var ids atomic.Int64
			b.SetParallelism(par / 2) // GOMAXPROCS is 2 here
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				c, _ := client.New(ts.URL + "/RPC2")
				for pb.Next() {
					id := fmt.Sprintf("b%d", ids.Add(1))
					if err := c.Call(context.Background(), "incr", nil, "counter", 1, map[string]any{"id": id}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			st := svc.Stats()
			b.ReportMetric(float64(st.Writes)/float64(max(st.Batches, 1)), "writes/batch")
		})
	}
}
