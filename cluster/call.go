package cluster

import (
	"context"
	"reflect"
	"time"

	"github.com/harp-rpc/harp/rpc"
)

// Call calls method with args on the cluster and decodes the answer into reply (which may be
// nil), in the method's mode (Config.Mode or Config.Methods). A fault answered by an endpoint is
// returned as it came (an *xmlrpc.Fault, say): it is an answer, never retried. Any other failure
// is a *CallError listing every attempt, or ErrNilContext, ErrClosed or ErrNoEndpoints.
//
// A call is made at most once unless told otherwise: it is tried again on another endpoint only
// when its failure provably never reached a server (NotSent), or when the method is declared
// Idempotent. Retries go to endpoints not yet tried first; once every endpoint was tried, they go
// round again (one routable endpoint left is retried after its backoff), up to the attempts
// allowed and within the retry budget. ctx bounds all attempts together; Config.AttemptTimeout
// (or the method's Timeout) bounds each one.
func (c *Cluster) Call(ctx context.Context, method string, reply any, args ...any) error {
	o := operation{method: method, reply: reply, args: args}
	return c.do(ctx, &o)
}

// do runs o, a call of any shape, in the mode of its method: the one core every shape goes
// through.
func (c *Cluster) do(ctx context.Context, o *operation) error {
	if ctx == nil {
		return ErrNilContext
	}
	if c.closed.Load() {
		return ErrClosed
	}
	c.calls.Add(1)
	mode, mc := c.method(ctx, o.method)
	if o.shape == shapeBatch || o.shape == shapeMulti {
		if _, over := callConfig(ctx); !over { // WithCallConfig decides for the whole batch
			mc.Idempotent = o.idempotent(c.methods, &mc)
		}
	}
	switch mode {
	case ModeBroadcast:
		return c.broadcastDo(ctx, o, &mc)
	case ModeForking:
		return c.hedge(ctx, o, &mc)
	}
	return c.failover(ctx, o, mode, &mc)
}

// attemptTimeout returns the per-attempt timeout of a method.
func (c *Cluster) attemptTimeout(mc *MethodConfig) time.Duration {
	if mc.Timeout > 0 {
		return mc.Timeout
	}
	return c.cfg.AttemptTimeout
}

// pickInfo returns the PickInfo of a call.
func (c *Cluster) pickInfo(ctx context.Context, o *operation, mc *MethodConfig) PickInfo {
	pi := PickInfo{Method: o.method}
	if c.keyed {
		param := c.cfg.HashParam
		if mc.HashParam != nil {
			param = *mc.HashParam
		}
		pi.Key = o.hashKey(ctx, param)
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

// attempt makes one try of o on m and records its outcome. ctx is the context whose end means
// the caller gave up; the attempt runs under its own timeout when one is set. An attempt on a
// Caller that lacks o's shape sends nothing and leaves m's health alone.
func (c *Cluster) attempt(ctx context.Context, m *EndpointState, probe bool, timeout time.Duration, o *operation) Attempt {
	if probe {
		defer m.probes.Add(-1)
	}
	if o.shape != shapeCall && !o.supports(m.caller) {
		url := m.Endpoint().URL
		return Attempt{URL: url, Err: o.unsupported(url, m.caller), Outcome: OutcomeNotSent}
	}
	m.inflight.Add(1)
	if m.retired.Load() {
		// removed between the pick and now: its Caller may be closed; nothing was sent
		m.release()
		return Attempt{URL: m.Endpoint().URL, Err: errRetired, Outcome: OutcomeNotSent}
	}
	m.calls.Add(1)
	start := c.now()
	actx, cancel := c.attemptContext(ctx, timeout, start)
	var err error
	if o.shape == shapeCall {
		err = m.caller.Call(actx, o.method, o.reply, o.args...)
	} else {
		err = o.run(actx, m.caller)
	}
	end := c.now()
	if cancel != nil {
		cancel()
	}
	oc := Classify(ctx, err)
	d := end.Sub(start)
	m.outcomes[oc].Add(1)
	switch {
	case oc == OutcomeFault:
		m.faults.Add(1)
	case oc.Failed():
		m.failures.Add(1)
	}
	if oc != OutcomeCancelled {
		m.recordLatency(d)
	}
	m.release()
	c.observe(m, oc, end)
	return Attempt{URL: m.Endpoint().URL, Err: err, Outcome: oc, Duration: d}
}

// attemptContext returns the context an attempt starting at start runs under, bounded by
// timeout (when positive) on top of ctx, and its cancel (nil when there is nothing to release).
func (c *Cluster) attemptContext(ctx context.Context, timeout time.Duration, start time.Time) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		return ctx, nil
	}
	actx, bound := ctx, timeout
	if c.cfg.ConnectTimeout > 0 {
		// the transport starts timeout once connected; the context covers the connect too
		bound += c.cfg.ConnectTimeout
		actx = rpc.WithAttemptTimeout(ctx, timeout)
	}
	// a caller's deadline sooner than the attempt's bound makes a timer of our own useless
	if dl, ok := ctx.Deadline(); ok && dl.Sub(start) <= bound {
		return actx, nil
	}
	if !c.realClock {
		start = time.Now() // shared deadlines run on the monotonic clock, not a test's
	}
	if shared, ok := c.deadlines[bound].context(actx, start); ok {
		return shared, nil
	}
	return context.WithTimeout(actx, bound)
}

// errRetired is the error of an attempt whose endpoint was removed before it was sent.
var errRetired = notSentError("cluster: endpoint removed before the call was sent")

// skipped reports whether an attempt's error shows that it was never made: its endpoint was
// removed, or its Caller lacks the call's shape. Moving past it is not a retry.
func skipped(err error) bool {
	if err == errRetired {
		return true
	}
	_, ok := err.(*UnsupportedError)
	return ok
}

type notSentError string

func (e notSentError) Error() string   { return string(e) }
func (e notSentError) NotSent() bool   { return true }
func (e notSentError) Timeout() bool   { return false }
func (e notSentError) StatusCode() int { return 0 }

// failover runs ModeFailover and ModeFailfast.
func (c *Cluster) failover(ctx context.Context, o *operation, mode Mode, mc *MethodConfig) error {
	c.budget.onCall()
	maxAttempts := c.cfg.Retry.MaxAttempts
	if mc.MaxAttempts > 0 {
		maxAttempts = mc.MaxAttempts
	}
	if mode == ModeFailfast {
		maxAttempts = 1
	}
	timeout := c.attemptTimeout(mc)
	pi := c.pickInfo(ctx, o, mc)
	method := o.method
	var attempts []Attempt
	roundTried := false // an attempt was made since every endpoint was last tried
	for n := 0; ; {
		m, probe, err := c.pick(&pi)
		if err != nil {
			return err
		}
		if m == nil && roundTried {
			// Every endpoint was tried and a retry is due (it passed the checks below, the
			// budget and the backoff): go round again, so that a call with one routable
			// endpoint left is retried there instead of failing after a single attempt.
			pi.Tried, roundTried = pi.Tried[:0], false
			m, probe, err = c.pick(&pi)
			if err != nil {
				return err
			}
		}
		if m == nil {
			return callError(method, attempts, reasonNoEndpoint, lastErr(attempts))
		}
		a := c.attempt(ctx, m, probe, timeout, o)
		if a.Outcome == OutcomeSuccess || a.Outcome == OutcomeFault {
			return a.Err
		}
		attempts = append(attempts, a)
		pi.Tried = append(pi.Tried, m)
		if skipped(a.Err) {
			continue // a removed endpoint, or one whose Caller lacks the shape: nothing was tried
		}
		n++
		roundTried = true
		switch {
		case a.Outcome == OutcomeCancelled:
			return callError(method, attempts, reasonContext, a.Err)
		case mode == ModeFailfast:
			return callError(method, attempts, reasonFailfast, a.Err)
		case !retryable(a.Outcome, mc.Idempotent):
			return callError(method, attempts, reasonNotIdempotent, a.Err)
		case n >= maxAttempts:
			return callError(method, attempts, reasonAttempts, a.Err)
		}
		if !c.budget.tryRetry() {
			c.budgetDenied.Add(1)
			return callError(method, attempts, reasonBudget, a.Err)
		}
		c.retries.Add(1)
		if err := c.backoff(ctx, n); err != nil {
			return callError(method, attempts, reasonContext, a.Err)
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
