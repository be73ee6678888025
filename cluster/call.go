package cluster

import (
	"context"
	"reflect"
	"time"
)

// Call calls method with args on the cluster and decodes the answer into reply (which may be
// nil), in the method's mode (Config.Mode or Config.Methods). A fault answered by an endpoint is
// returned as it came (an *xmlrpc.Fault, say): it is an answer, never retried. Any other failure
// is a *CallError listing every attempt, or ErrNilContext, ErrClosed or ErrNoEndpoints.
//
// A call is made at most once unless told otherwise: it is tried again on another endpoint only
// when its failure provably never reached a server (NotSent), or when the method is declared
// Idempotent. ctx bounds all attempts together; Config.AttemptTimeout (or the method's Timeout)
// bounds each one.
func (c *Cluster) Call(ctx context.Context, method string, reply any, args ...any) error {
	if ctx == nil {
		return ErrNilContext
	}
	if c.closed.Load() {
		return ErrClosed
	}
	c.calls.Add(1)
	mode, mc := c.cfg.method(method)
	switch mode {
	case ModeBroadcast:
		return c.broadcastCall(ctx, method, reply, args)
	case ModeForking:
		return c.hedge(ctx, method, mc, reply, args)
	}
	return c.failover(ctx, method, mode, mc, reply, args)
}

// attemptTimeout returns the per-attempt timeout of a method.
func (c *Cluster) attemptTimeout(mc *MethodConfig) time.Duration {
	if mc.Timeout > 0 {
		return mc.Timeout
	}
	return c.cfg.AttemptTimeout
}

// pickInfo returns the PickInfo of a call.
func (c *Cluster) pickInfo(ctx context.Context, method string, mc *MethodConfig, args []any) PickInfo {
	pi := PickInfo{Method: method}
	if c.keyed {
		param := c.cfg.HashParam
		if mc.HashParam != nil {
			param = *mc.HashParam
		}
		pi.Key = hashKey(ctx, method, param, args)
	}
	return pi
}

// pick chooses the endpoint of the next attempt from the current snapshot, taking a probe slot
// of a half-open endpoint. It returns nil when every endpoint was tried; probe reports a taken
// probe slot, to give back after the attempt.
func (c *Cluster) pick(pi *PickInfo) (m *EndpointState, probe bool, err error) {
	s := c.snap.Load()
	if len(s.info.Endpoints) == 0 {
		return nil, false, ErrNoEndpoints
	}
	for range len(s.info.Endpoints) + 1 {
		i := s.picker.Pick(*pi)
		if i < 0 || i >= len(s.info.Endpoints) {
			return nil, false, nil
		}
		m = s.info.Endpoints[i]
		if !m.halfOpen.Load() {
			return m, false, nil
		}
		if m.probes.Add(1) <= int64(c.cfg.Breaker.HalfOpenProbes) {
			return m, true, nil
		}
		m.probes.Add(-1)
		pi.Tried = append(pi.Tried, m) // no probe slot left: skip it for this call
	}
	return nil, false, nil
}

// attempt makes one try on m and records its outcome. ctx is the context whose end means the
// caller gave up; the attempt runs under its own timeout when one is set.
func (c *Cluster) attempt(ctx context.Context, m *EndpointState, probe bool, timeout time.Duration, method string, reply any, args []any) Attempt {
	if probe {
		defer m.probes.Add(-1)
	}
	m.inflight.Add(1)
	if m.retired.Load() {
		// removed between the pick and now: its Caller may be closed; nothing was sent
		m.release()
		return Attempt{URL: m.Endpoint().URL, Err: errRetired, Outcome: OutcomeNotSent}
	}
	m.calls.Add(1)
	start := c.now()
	actx, cancel := ctx, context.CancelFunc(nil)
	if timeout > 0 {
		// a caller's deadline sooner than the attempt timeout makes a timer of our own useless
		if dl, ok := ctx.Deadline(); !ok || dl.Sub(start) > timeout {
			shared, ok := c.deadlines[timeout].context(ctx, time.Now())
			if ok {
				actx = shared
			} else {
				actx, cancel = context.WithTimeout(ctx, timeout)
			}
		}
	}
	err := m.caller.Call(actx, method, reply, args...)
	end := c.now()
	if cancel != nil {
		cancel()
	}
	o := Classify(ctx, err)
	d := end.Sub(start)
	switch {
	case o == OutcomeFault:
		m.faults.Add(1)
	case o.Failed():
		m.failures.Add(1)
	}
	if o != OutcomeCancelled {
		m.recordLatency(d)
	}
	m.release()
	c.observe(m, o, end)
	return Attempt{URL: m.Endpoint().URL, Err: err, Outcome: o, Duration: d}
}

// errRetired is the error of an attempt whose endpoint was removed before it was sent.
var errRetired = notSentError("cluster: endpoint removed before the call was sent")

type notSentError string

func (e notSentError) Error() string   { return string(e) }
func (e notSentError) NotSent() bool   { return true }
func (e notSentError) Timeout() bool   { return false }
func (e notSentError) StatusCode() int { return 0 }

// failover runs ModeFailover and ModeFailfast.
func (c *Cluster) failover(ctx context.Context, method string, mode Mode, mc MethodConfig, reply any, args []any) error {
	c.budget.onCall()
	maxAttempts := c.cfg.Retry.MaxAttempts
	if mc.MaxAttempts > 0 {
		maxAttempts = mc.MaxAttempts
	}
	if mode == ModeFailfast {
		maxAttempts = 1
	}
	timeout := c.attemptTimeout(&mc)
	pi := c.pickInfo(ctx, method, &mc, args)
	var attempts []Attempt
	for n := 0; ; n++ {
		m, probe, err := c.pick(&pi)
		if err != nil {
			return err
		}
		if m == nil {
			return callError(method, attempts, reasonNoEndpoint, lastErr(attempts))
		}
		a := c.attempt(ctx, m, probe, timeout, method, reply, args)
		if a.Outcome == OutcomeSuccess || a.Outcome == OutcomeFault {
			return a.Err
		}
		attempts = append(attempts, a)
		pi.Tried = append(pi.Tried, m)
		switch {
		case a.Outcome == OutcomeCancelled:
			return callError(method, attempts, reasonContext, a.Err)
		case mode == ModeFailfast:
			return callError(method, attempts, reasonFailfast, a.Err)
		case !retryable(a.Outcome, mc.Idempotent):
			return callError(method, attempts, reasonNotIdempotent, a.Err)
		case n+1 >= maxAttempts:
			return callError(method, attempts, reasonAttempts, a.Err)
		}
		if a.Err != errRetired { // a removed endpoint's skip is not a retry
			if !c.budget.tryRetry() {
				c.budgetDenied.Add(1)
				return callError(method, attempts, reasonBudget, a.Err)
			}
			c.retries.Add(1)
			if err := c.backoff(ctx, n+1); err != nil {
				return callError(method, attempts, reasonContext, a.Err)
			}
		}
	}
}

func callError(method string, attempts []Attempt, reason string, err error) error {
	return &CallError{Method: method, Attempts: attempts, Err: err, Reason: reason}
}

func lastErr(as []Attempt) error {
	if len(as) == 0 {
		return ErrNoEndpoints
	}
	return as[len(as)-1].Err
}

// backoff waits before retry number k (1, 2, ...): BaseBackoff doubled k-1 times, capped at
// MaxBackoff, drawn uniformly between half of it and all of it.
func (c *Cluster) backoff(ctx context.Context, k int) error {
	d := backoffDelay(&c.cfg.Retry, k, c.rnd)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func backoffDelay(r *RetryConfig, k int, rnd Rand) time.Duration {
	if r.BaseBackoff <= 0 {
		return 0
	}
	d := r.BaseBackoff
	for i := 1; i < k && d < r.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.MaxBackoff)
	half := d / 2
	return half + time.Duration(randN(rnd, int(min(half, 1<<31-1))+1))
}

// newReply returns a fresh value of reply's type for an attempt that runs beside others, nil
// when reply is nil or not a pointer.
func newReply(reply any) any {
	if reply == nil {
		return nil
	}
	t := reflect.TypeOf(reply)
	if t.Kind() != reflect.Pointer {
		return reply
	}
	return reflect.New(t.Elem()).Interface()
}

// setReply copies the value src points to into the value dst points to.
func setReply(dst, src any) {
	if dst == nil || src == nil || dst == src {
		return
	}
	dv, sv := reflect.ValueOf(dst), reflect.ValueOf(src)
	if dv.Kind() == reflect.Pointer && !dv.IsNil() && sv.Kind() == reflect.Pointer && !sv.IsNil() {
		dv.Elem().Set(sv.Elem())
	}
}

// hedge runs ModeForking: one copy now, the next after Hedge.Delay without an answer (or when
// a copy fails), the first answer wins and the other copies are cancelled.
func (c *Cluster) hedge(ctx context.Context, method string, mc MethodConfig, reply any, args []any) error {
	c.budget.onCall()
	maxCopies := c.cfg.Hedge.MaxAttempts
	if mc.MaxAttempts > 0 {
		maxCopies = mc.MaxAttempts
	}
	timeout := c.attemptTimeout(&mc)
	pi := c.pickInfo(ctx, method, &mc, args)
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		a     Attempt
		reply any
	}
	results := make(chan result, maxCopies)
	var attempts []Attempt
	pending, launched := 0, 0
	launch := func() bool {
		m, probe, err := c.pick(&pi)
		if err != nil || m == nil {
			return false
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
		r := newReply(reply)
		go func() {
			results <- result{c.attempt(hctx, m, probe, timeout, method, r, args), r}
		}()
		return true
	}
	if !launch() {
		if s := c.snap.Load(); len(s.info.Endpoints) == 0 {
			return ErrNoEndpoints
		}
		return &CallError{Method: method, Err: ErrNoEndpoints, Reason: reasonNoEndpoint}
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
					setReply(reply, r.reply)
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

// Result is one endpoint's answer to a broadcast.
type Result struct {
	URL      string        // the endpoint
	Reply    any           // a fresh value of the reply's type holding this endpoint's answer
	Err      error         // nil, a fault, or a transport error
	Duration time.Duration // how long the call took
}

// Broadcast calls method on every endpoint that is not a backup, whatever its health, at once,
// and returns each endpoint's result in configuration order. Each Result.Reply is a new value of
// reply's type (nil when reply is nil); reply itself is not written.
func (c *Cluster) Broadcast(ctx context.Context, method string, reply any, args ...any) []Result {
	if ctx == nil {
		return []Result{{Err: ErrNilContext}}
	}
	if c.closed.Load() {
		return []Result{{Err: ErrClosed}}
	}
	s := c.snap.Load()
	var targets []*EndpointState
	for _, m := range s.all {
		if !m.Endpoint().Backup {
			targets = append(targets, m)
		}
	}
	_, mc := c.cfg.method(method)
	timeout := c.attemptTimeout(&mc)
	out := make([]Result, len(targets))
	done := make(chan struct{}, len(targets))
	for i, m := range targets {
		go func() {
			r := newReply(reply)
			a := c.attempt(ctx, m, false, timeout, method, r, args)
			out[i] = Result{URL: a.URL, Reply: r, Err: a.Err, Duration: a.Duration}
			done <- struct{}{}
		}()
	}
	for range targets {
		<-done
	}
	return out
}

// broadcastCall runs ModeBroadcast for Call: reply gets the first successful answer in
// configuration order; any failure makes a *BroadcastError holding every result.
func (c *Cluster) broadcastCall(ctx context.Context, method string, reply any, args []any) error {
	rs := c.Broadcast(ctx, method, reply, args...)
	if len(rs) == 0 {
		return ErrNoEndpoints
	}
	set := false
	failed := false
	for _, r := range rs {
		if r.Err != nil {
			failed = true
		} else if !set {
			setReply(reply, r.Reply)
			set = true
		}
	}
	if failed {
		return &BroadcastError{Method: method, Results: rs}
	}
	return nil
}
