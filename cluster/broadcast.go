package cluster

import (
	"context"
	"time"
)

// Result is one endpoint's answer to a broadcast.
type Result struct {
	URL string // the endpoint
	// Reply holds this endpoint's answer, in a value of its own: for Call and CallNamed a fresh
	// value of the reply's type (nil when reply is nil), for Batch and MultiCall the []*rpc.Call
	// of fresh entries (each with a fresh Reply of its type and its own Err), for RoundTrip the
	// answer's []byte.
	Reply    any
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
	o := operation{method: method, reply: reply, args: args}
	_, mc := c.method(ctx, method)
	rs, _ := c.broadcast(ctx, &o, &mc)
	return rs
}

// broadcast runs a fork of o on every endpoint that is not a backup, at once, and returns each
// endpoint's result and fork in configuration order. An endpoint whose Caller lacks o's shape
// gets an *UnsupportedError and no fork.
func (c *Cluster) broadcast(ctx context.Context, o *operation, mc *MethodConfig) ([]Result, []*operation) {
	s := c.snap.Load()
	var targets []*EndpointState
	for _, m := range s.all {
		if !m.Endpoint().Backup {
			targets = append(targets, m)
		}
	}
	timeout := c.attemptTimeout(mc)
	out := make([]Result, len(targets))
	forks := make([]*operation, len(targets))
	done := make(chan struct{}, len(targets))
	started := 0
	for i, m := range targets {
		if !o.supports(m.caller) {
			url := m.Endpoint().URL
			out[i] = Result{URL: url, Err: o.unsupported(url, m.caller)}
			continue
		}
		f := o.fork()
		forks[i] = f
		started++
		go func() {
			a := c.attempt(ctx, m, false, timeout, f)
			out[i] = Result{URL: a.URL, Reply: f.answer(), Err: a.Err, Duration: a.Duration}
			done <- struct{}{}
		}()
	}
	for range started {
		<-done
	}
	return out, forks
}

// broadcastDo runs ModeBroadcast for every shape: o's replies get the first successful answer in
// configuration order; any failure makes a *BroadcastError holding every result.
func (c *Cluster) broadcastDo(ctx context.Context, o *operation, mc *MethodConfig) error {
	rs, forks := c.broadcast(ctx, o, mc)
	if len(rs) == 0 {
		return ErrNoEndpoints
	}
	set := false
	failed := false
	for i, r := range rs {
		if r.Err != nil {
			failed = true
		} else if !set {
			o.adopt(forks[i])
			set = true
		}
	}
	if failed {
		return &BroadcastError{Method: o.method, Results: rs}
	}
	return nil
}
