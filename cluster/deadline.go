package cluster

import (
	"context"
	"sync/atomic"
	"time"
)

// deadlineTick is the granularity of shared attempt deadlines: attempts that start within the
// same tick share one timer, and each runs for between its timeout and its timeout plus one tick.
const deadlineTick = 5 * time.Millisecond

// sharedDeadline hands out the contexts that bound attempts of one timeout when the caller's
// context cannot be cancelled (context.Background, or one that only carries values). All
// attempts that start within one deadlineTick share a single context.WithDeadline, so such an
// attempt allocates no timer of its own, and the transport's cancellation hooks it registers
// land in one long-lived context instead of a fresh one per call. A cancellable caller's context
// still gets a context.WithTimeout of its own, since its cancellation has to reach the attempt.
type sharedDeadline struct {
	timeout time.Duration
	base    time.Time // ticks count from here on the monotonic clock, immune to wall-clock steps
	cur     atomic.Pointer[deadlineSlot]
}

func newSharedDeadline(timeout time.Duration) *sharedDeadline {
	return &sharedDeadline{timeout: timeout, base: time.Now()}
}

// deadlineSlot is the shared context of the attempts that start within one tick.
type deadlineSlot struct {
	tick   int64 // the tick, in deadlineTick units since base
	ctx    context.Context
	cancel context.CancelFunc // never called: attempts may still run under ctx until it ends
}

// context returns a context for an attempt starting at now (a time.Now reading, with its
// monotonic clock) under parent, and false when parent can be cancelled (or d is nil) and the
// caller must make its own timeout instead.
func (d *sharedDeadline) context(parent context.Context, now time.Time) (context.Context, bool) {
	if d == nil || parent.Done() != nil {
		return nil, false
	}
	tick := int64(now.Sub(d.base) / deadlineTick)
	s := d.cur.Load()
	for s == nil || s.tick < tick {
		// the first attempt of a new tick makes its context; one that loses the race uses the
		// winner's, and one late enough to see a newer tick than its own uses that (a slightly
		// longer deadline, never a shorter one). A slot ends after its own tick, so the slot of
		// the current tick is never one that ended.
		dl := d.base.Add(time.Duration(tick+1)*deadlineTick + d.timeout)
		ctx, cancel := context.WithDeadline(context.Background(), dl)
		n := &deadlineSlot{tick: tick, ctx: ctx, cancel: cancel}
		if d.cur.CompareAndSwap(s, n) {
			s = n
			break
		}
		cancel()
		s = d.cur.Load()
	}
	if parent == context.Background() {
		return s.ctx, true
	}
	return &valuesCtx{Context: s.ctx, values: parent}, true
}

// valuesCtx is a shared attempt context (its deadline, Done and Err) carrying the values of the
// caller's context, which cannot be cancelled. Values of the caller's context win; the shared
// context's own (context's internal cancellation key) come after them, so that contexts derived
// from a valuesCtx hook into the shared context directly rather than through a goroutine.
type valuesCtx struct {
	context.Context
	values context.Context
}

func (c *valuesCtx) Value(key any) any {
	if v := c.values.Value(key); v != nil {
		return v
	}
	return c.Context.Value(key)
}

// newDeadlines returns the shared deadlines of the cluster's attempt timeouts: the default one and
// each method's own.
func newDeadlines(cfg *Config) map[time.Duration]*sharedDeadline {
	m := map[time.Duration]*sharedDeadline{}
	add := func(d time.Duration) {
		if d > 0 && m[d] == nil {
			m[d] = newSharedDeadline(d)
		}
	}
	add(cfg.AttemptTimeout)
	for _, mc := range cfg.Methods {
		add(mc.Timeout)
	}
	if cfg.ConnectTimeout > 0 { // attempts then run under their connect allowance too
		for d := range m {
			add(d + cfg.ConnectTimeout)
		}
	}
	return m
}
