package cluster

import (
	"context"
	"sync"
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
// caller must make its own timeout instead. A parent that ends only at its own deadline (a
// shared context of another timeout, DeadlineContext's) counts as one that cannot be
// cancelled: the caller has checked that this attempt's deadline comes first.
func (d *sharedDeadline) context(parent context.Context, now time.Time) (context.Context, bool) {
	if d == nil || !deadlineOnly(parent) {
		return nil, false
	}
	s := d.slot(now)
	if pdl, ok := parent.Deadline(); ok {
		if dl, _ := s.ctx.Deadline(); pdl.Before(dl) {
			return nil, false // the parent's deadline, within a tick of this one, comes first
		}
	}
	if parent == context.Background() {
		return s.ctx, true
	}
	return &valuesCtx{Context: s.ctx, slot: s, values: parent}, true
}

// DeadlineContext returns a context with parent's values and a deadline timeout from now, a few
// milliseconds later (within a 5 ms tick, rarely two): it ends at that deadline only, never
// because parent was cancelled. Calls
// bounded by the same timeout that start within one tick share one timer, so a caller that
// bounds every call alike (a gateway's call timeout) makes no timer per call; a Cluster's
// attempts under such a context share theirs too, where a context.WithTimeout would make each
// attempt time itself. The first 64 distinct timeouts are shared; others get a timer of their
// own. Call cancel once the call is done.
func DeadlineContext(parent context.Context, timeout time.Duration) (ctx context.Context, cancel context.CancelFunc) {
	d := sharedCallDeadline(timeout)
	if d == nil {
		return context.WithTimeout(context.WithoutCancel(parent), timeout)
	}
	// parent gives values only: the shared context answers Done, Err, Deadline and its own
	// cancellation key first
	s := d.slot(time.Now())
	return &valuesCtx{Context: s.ctx, slot: s, values: parent}, func() {}
}

// callDeadlines are DeadlineContext's shared deadlines, by timeout.
var (
	callDeadlines  sync.Map // time.Duration -> *sharedDeadline
	nCallDeadlines atomic.Int64
)

const maxCallDeadlines = 64

func sharedCallDeadline(timeout time.Duration) *sharedDeadline {
	if timeout <= 0 {
		return nil
	}
	if d, ok := callDeadlines.Load(timeout); ok {
		return d.(*sharedDeadline)
	}
	if nCallDeadlines.Load() >= maxCallDeadlines {
		return nil
	}
	d, loaded := callDeadlines.LoadOrStore(timeout, newSharedDeadline(timeout))
	if !loaded {
		nCallDeadlines.Add(1)
	}
	return d.(*sharedDeadline)
}

// slot returns the shared context of the attempts that start at now.
func (d *sharedDeadline) slot(now time.Time) *deadlineSlot {
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
			return n
		}
		cancel()
		s = d.cur.Load()
	}
	return s
}

// deadlineOnly reports whether ctx can end only at its deadline: it cannot be cancelled, or its
// Done is that of the shared context it carries (a valuesCtx, with values put on top of it).
func deadlineOnly(ctx context.Context) bool {
	done := ctx.Done()
	if done == nil {
		return true
	}
	s, _ := ctx.Value(slotKey{}).(*deadlineSlot)
	return s != nil && s.ctx.Done() == done
}

// slotKey is the context key of a valuesCtx's deadlineSlot.
type slotKey struct{}

// valuesCtx is a shared context (its deadline, Done and Err) carrying the values of the
// caller's context, and nothing else of it: not its cancellation. The shared context answers
// only its own cancellation key (it is made of context.Background), so it is asked first:
// contexts derived from a valuesCtx hook into the shared context directly rather than through
// a goroutine.
type valuesCtx struct {
	context.Context
	slot   *deadlineSlot
	values context.Context
}

func (c *valuesCtx) Value(key any) any {
	if key == (slotKey{}) {
		return c.slot
	}
	if v := c.Context.Value(key); v != nil {
		return v
	}
	return c.values.Value(key)
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
