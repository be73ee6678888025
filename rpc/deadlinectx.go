package rpc

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// WithLazyDeadline returns a copy of parent that ends at dl at the latest, and its cancel, as
// context.WithDeadline(parent, dl) does; but until someone waits on it, it holds no timer and is
// not registered with parent. Deadline and Value answer at once, Err reads the clock, and only
// Done (or a context derived from it that must learn of its end, such as context.WithCancel or
// context.AfterFunc) makes the channel and the timer, through a context.WithDeadline of parent
// held inside. It suits a transport that puts a caller's deadline on every request, most of whose
// handlers only read it or pass it on: package server uses it for TimeoutHeader.
//
// Call cancel when the request is done, as with context.WithDeadline: it ends the context and
// releases the timer if one was made. When parent's deadline is no later than dl, the context
// returned is parent itself and cancel does nothing.
//
// Two differences from context.WithDeadline remain, both about a context nobody has waited on:
// when its deadline passes and parent ends before anyone looks, Err reports parent's reason
// (without a timer, which came first is not known); and until Err, Done or cancel has seen it
// end, context.Cause reports parent's cause. FuzzLazyDeadline cross-checks it against
// context.WithDeadline.
func WithLazyDeadline(parent context.Context, dl time.Time) (context.Context, context.CancelFunc) {
	if cur, ok := parent.Deadline(); ok && !cur.After(dl) {
		return parent, func() {}
	}
	if !time.Now().Before(dl) || parent.Err() != nil {
		return context.WithDeadline(parent, dl) // ended already: nothing to save
	}
	c := &lazyDeadline{parent: parent, deadline: dl}
	return c, c.cancel
}

// lazyDeadline is WithLazyDeadline's context. Until it is waited on or seen to end, inner is
// nil; from then on it holds a context.WithDeadline of parent, which answers Done, Err and Value.
type lazyDeadline struct {
	parent    context.Context
	deadline  time.Time
	cancelled atomic.Bool // cancel was called
	mu        sync.Mutex  // makes inner
	inner     atomic.Pointer[innerDeadline]
}

// innerDeadline is the context a lazyDeadline makes once it is waited on.
type innerDeadline struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// Deadline returns the context's deadline: parent's was later, or WithLazyDeadline would have
// returned parent.
func (c *lazyDeadline) Deadline() (time.Time, bool) { return c.deadline, true }

// Value returns parent's value for key, or the inner context's once there is one (so that
// contexts derived from this one find the inner context's cancellation).
func (c *lazyDeadline) Value(key any) any {
	if in := c.inner.Load(); in != nil {
		return in.ctx.Value(key)
	}
	return c.parent.Value(key)
}

// Done returns a channel closed at the deadline, at parent's end or at cancel, making it (and
// its timer) on the first call.
func (c *lazyDeadline) Done() <-chan struct{} { return c.materialise().Done() }

// Err returns nil until the context ends, then why: the first end it sees of the deadline,
// parent's end and cancel, kept from then on (the inner context is made to keep it).
func (c *lazyDeadline) Err() error {
	if in := c.inner.Load(); in != nil {
		return in.ctx.Err()
	}
	if c.cancelled.Load() || c.parent.Err() != nil || !time.Now().Before(c.deadline) {
		return c.materialise().Err()
	}
	return nil
}

// AfterFunc arranges for f to run in its own goroutine once the context ends, as
// context.AfterFunc does; stop reports whether it stopped f from running.
func (c *lazyDeadline) AfterFunc(f func()) (stop func() bool) {
	return context.AfterFunc(c.materialise(), f)
}

// String names the context, as the context package's own contexts do.
func (c *lazyDeadline) String() string {
	return "rpc.WithLazyDeadline(" + c.deadline.String() + ")"
}

// cancel ends the context: the inner one if it was made, and any made later. A context that has
// already ended (its deadline passed, parent ended) keeps that reason, as context.WithDeadline's
// does.
func (c *lazyDeadline) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inner.Load() == nil && (c.parent.Err() != nil || !time.Now().Before(c.deadline)) {
		c.makeInner()
	}
	c.cancelled.Store(true)
	if in := c.inner.Load(); in != nil {
		in.cancel()
	}
}

// materialise makes the inner context once and returns it.
func (c *lazyDeadline) materialise() context.Context {
	if in := c.inner.Load(); in != nil {
		return in.ctx
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inner.Load() == nil {
		c.makeInner()
	}
	return c.inner.Load().ctx
}

// makeInner makes the inner context, cancelled at once after cancel; c.mu is held.
func (c *lazyDeadline) makeInner() {
	in := new(innerDeadline)
	in.ctx, in.cancel = context.WithDeadline(c.parent, c.deadline)
	if c.cancelled.Load() {
		in.cancel()
	}
	c.inner.Store(in)
}
