package statetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestFailoverTime measures, for the default lease (1 s beat, 3 s TTL) and a shorter one
// (250 ms, 1 s), the time from SIGKILL of the master to the first call answered by the new
// master, three kills each, under a steady load of 4 clients on an R3 bucket.
func TestFailoverTime(t *testing.T) {
	for _, c := range []struct{ beat, ttl time.Duration }{
		{time.Second, 3 * time.Second},
		{250 * time.Millisecond, time.Second},
	} {
		t.Run(fmt.Sprintf("ttl=%v", c.ttl), func(t *testing.T) {
			h := newHarness(t, 3, c.beat, c.ttl)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for cl := range 4 {
				wg.Go(func() {
					for i := 0; ctx.Err() == nil; i++ {
						if o := h.incr(ctx, fmt.Sprintf("f%d-%d", cl, i), 30*time.Second); o.acked {
							h.done.Add(1)
						}
					}
				})
			}
			defer func() { cancel(); wg.Wait() }()
			var times []time.Duration
			for k := range 3 {
				h.waitDone(h.done.Load()+200, time.Minute)
				m := h.master(10 * time.Second)
				killed := time.Now()
				m.kill()
				d := h.waitAnswered(killed, 30*time.Second)
				times = append(times, d)
				t.Logf("kill %d of %s: first call answered by the new master %v later", k+1, m.spec.ID, d.Round(time.Millisecond))
				h.start(m.spec.ID) // back as a standby for the next round
			}
			var sum time.Duration
			for _, d := range times {
				sum += d
			}
			mean := sum / time.Duration(len(times))
			t.Logf("failover with beat %v, TTL %v: %v (mean of %d kills)", c.beat, c.ttl, mean.Round(time.Millisecond), len(times))
			if mean > c.ttl+2*c.beat+2*time.Second {
				t.Errorf("mean failover %v, want within TTL + 2 beats + 2 s", mean)
			}
		})
	}
}
