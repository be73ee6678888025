package cluster

import (
	"context"
	"math/rand/v2"
	"time"
)

// DefaultCheckMethod is the method DefaultCheck calls.
const DefaultCheckMethod = "system.listMethods"

// DefaultCheck calls system.listMethods through the endpoint's Caller, ignoring the result. A
// fault (for instance "method not found" from a server without introspection) still proves the
// endpoint answers, so it counts as healthy.
func DefaultCheck(ctx context.Context, c Caller) error {
	return c.Call(ctx, DefaultCheckMethod, nil)
}

// checkLoop runs m's active health checks until ctx is done.
func (c *Cluster) checkLoop(ctx context.Context, m *EndpointState) {
	defer c.wg.Done()
	hc := &c.cfg.Health
	check := hc.Check
	if check == nil {
		check = DefaultCheck
	}
	// the first check comes at a random point of the first interval, so checks spread out
	wait := time.Duration(rand.Int64N(int64(hc.Interval)) + 1)
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, hc.Timeout)
		err := check(cctx, m.caller)
		cancel()
		o := Classify(ctx, err)
		if o == OutcomeCancelled {
			return
		}
		next := c.healthResult(m, !o.Failed(), c.now())
		t.Reset(jitter(next, hc.Jitter, rand.Float64()))
	}
}

// jitter spreads d within ±j of itself, r being uniform in [0, 1).
func jitter(d time.Duration, j, r float64) time.Duration {
	return time.Duration(float64(d) * (1 + j*(2*r-1)))
}
