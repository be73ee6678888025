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
			p := newProof(t, c.beat, c.ttl)
			ctx, cancel := context.WithCancel(context.Background())
			stop, err := p.setup(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			var wg sync.WaitGroup
			for cl := range 4 {
				wg.Go(func() {
					for i := 0; ctx.Err() == nil; i++ {
						if o := p.incr(ctx, fmt.Sprintf("f%d-%d", cl, i), 30*time.Second); o.acked {
							p.done.Add(1)
						}
					}
				})
			}
			defer func() { cancel(); wg.Wait() }()
			var sum time.Duration
			const kills = 3
			for k := range kills {
				if err := p.waitDone(ctx, p.done.Load()+200); err != nil {
					t.Fatal(err)
				}
				m, err := p.master(ctx)
				if err != nil {
					t.Fatal(err)
				}
				killed := time.Now()
				m.Kill()
				d, err := p.waitAnswered(ctx, killed)
				if err != nil {
					t.Fatal(err)
				}
				sum += d
				t.Logf("kill %d of %s: first call answered by the new master %v later", k+1, m.ID(), d.Round(time.Millisecond))
				if _, err := p.start(ctx, m.ID()); err != nil { // back as a standby for the next round
					t.Fatal(err)
				}
			}
			mean := sum / kills
			t.Logf("failover with beat %v, TTL %v: %v (mean of %d kills)", c.beat, c.ttl, mean.Round(time.Millisecond), kills)
			if mean > c.ttl+2*c.beat+2*time.Second {
				t.Errorf("mean failover %v, want within TTL + 2 beats + 2 s", mean)
			}
		})
	}
}
