package cluster

import (
	"context"
	"time"
)

// hedge runs ModeForking: one copy now, the next after Hedge.Delay without an answer (or when
// a copy fails), the first answer wins and the other copies are cancelled. Every copy is a fork
// of o with replies of its own, since the losers may still be writing when the call returns;
// the winner's answer is copied into o's. Endpoints whose Caller lacks o's shape are skipped
// without launching a copy.
func (c *Cluster) hedge(ctx context.Context, o *operation, mc *MethodConfig) error {
	c.budget.onCall()
	maxCopies := c.cfg.Hedge.MaxAttempts
	if mc.MaxAttempts > 0 {
		maxCopies = mc.MaxAttempts
	}
	timeout := c.attemptTimeout(mc)
	pi := c.pickInfo(ctx, o, mc)
	method := o.method
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		a Attempt
		f *operation
	}
	results := make(chan result, maxCopies)
	var attempts []Attempt
	pending, launched := 0, 0
	launch := func() bool {
		for {
			m, probe, err := c.pick(&pi)
			if err != nil || m == nil {
				return false
			}
			if !o.supports(m.caller) {
				if probe {
					m.probes.Add(-1)
				}
				pi.Tried = append(pi.Tried, m)
				url := m.Endpoint().URL
				attempts = append(attempts, Attempt{URL: url, Err: o.unsupported(url, m.caller), Outcome: OutcomeNotSent})
				continue
			}
			if launched > 0 {
				if !c.budget.tryRetry() { // extra copies draw on the retry budget too
					c.budgetDenied.Add(1)
					if probe {
						m.probes.Add(-1)
					}
					return false
				}
				c.retries.Add(1)
			}
			pi.Tried = append(pi.Tried, m)
			launched++
			pending++
			f := o.fork()
			go func() {
				results <- result{c.attempt(hctx, m, probe, timeout, f), f}
			}()
			return true
		}
	}
	if !launch() {
		if s := c.snap.Load(); len(s.info.Endpoints) == 0 {
			return ErrNoEndpoints
		}
		return &CallError{Method: method, Attempts: attempts, Err: lastErr(attempts), Reason: reasonNoEndpoint}
	}
	delay := c.cfg.Hedge.Delay
	for delay == 0 && launched < maxCopies && launch() {
	}
	var timer <-chan time.Time
	if launched < maxCopies {
		t := time.NewTimer(delay)
		defer t.Stop()
		timer = t.C
	}
	for {
		select {
		case r := <-results:
			pending--
			if r.a.Outcome == OutcomeSuccess || r.a.Outcome == OutcomeFault {
				if r.a.Outcome == OutcomeSuccess {
					o.adopt(r.f)
				}
				return r.a.Err
			}
			attempts = append(attempts, r.a)
			if r.a.Outcome == OutcomeCancelled {
				continue
			}
			if launched < maxCopies && launch() {
				continue
			}
			if pending == 0 {
				return &CallError{Method: method, Attempts: attempts, Err: r.a.Err, Reason: reasonAttempts}
			}
		case <-timer:
			timer = nil
			if launch() && launched < maxCopies {
				t := time.NewTimer(delay)
				defer t.Stop()
				timer = t.C
			}
		case <-ctx.Done():
			cancel()
			for pending > 0 {
				r := <-results
				pending--
				attempts = append(attempts, r.a)
			}
			return &CallError{Method: method, Attempts: attempts, Err: ctx.Err(), Reason: reasonContext}
		}
	}
}
