package cluster

import (
	"context"
	"errors"
	"testing"
	"time"
)

type ctxKey string

func TestSharedDeadline(t *testing.T) {
	const timeout = 30 * time.Millisecond
	d := newSharedDeadline(timeout)
	start := time.Now()
	a, ok := d.context(context.Background(), start)
	if !ok {
		t.Fatal("no shared context for context.Background")
	}
	b, _ := d.context(context.Background(), start)
	if a != b {
		t.Fatal("two attempts of the same tick got contexts of their own")
	}
	dl, ok := a.Deadline()
	if !ok || dl.Before(start.Add(timeout)) || dl.After(start.Add(timeout+deadlineTick)) {
		t.Fatalf("deadline %v after the start, want between %v and %v", dl.Sub(start), timeout, timeout+deadlineTick)
	}

	// a caller's values reach the attempt; contexts derived from it end with the shared one
	parent := context.WithValue(context.Background(), ctxKey("k"), "v")
	vc, ok := d.context(parent, start)
	if !ok {
		t.Fatal("no shared context for a context that only carries values")
	}
	if vc.Value(ctxKey("k")) != "v" {
		t.Fatal("the caller's value is lost")
	}
	if got, _ := vc.Deadline(); !got.Equal(dl) {
		t.Fatalf("deadline %v, want the shared %v", got, dl)
	}
	later, _ := d.context(context.Background(), start.Add(2*deadlineTick))
	if later == a {
		t.Fatal("an attempt two ticks later shares the first tick's deadline")
	}
	derived, cancel := context.WithCancel(vc)
	defer cancel()
	select {
	case <-derived.Done():
		if !errors.Is(vc.Err(), context.DeadlineExceeded) || !errors.Is(derived.Err(), context.DeadlineExceeded) {
			t.Fatalf("ended with %v and %v, want the deadline", vc.Err(), derived.Err())
		}
		if el := time.Since(start); el < timeout {
			t.Fatalf("ended after %v, before the timeout %v", el, timeout)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the shared deadline never ended a context derived from it")
	}

	// a cancellable caller's context needs a timeout of its own
	cc, stop := context.WithCancel(context.Background())
	defer stop()
	if _, ok := d.context(cc, start); ok {
		t.Fatal("a cancellable context got a shared deadline, which would lose its cancellation")
	}
	if _, ok := (*sharedDeadline)(nil).context(context.Background(), start); ok {
		t.Fatal("a nil sharedDeadline gave a context")
	}
}

// TestAttemptTimeoutKeepsValues: an attempt bounded by a shared deadline still sees the values of
// the caller's context, and ends at the attempt timeout.
func TestAttemptTimeoutKeepsValues(t *testing.T) {
	cfg := testConfig("first_available")
	cfg.AttemptTimeout = 20 * time.Millisecond
	h := newHarness(t, cfg, "a")
	var seen any
	h.callers["a"].set(func(ctx context.Context, m string, r any, args []any) error {
		seen = ctx.Value(ctxKey("trace"))
		return hang(ctx, m, r, args)
	})
	ctx := context.WithValue(context.Background(), ctxKey("trace"), "t1")
	start := time.Now()
	err := h.c.Call(ctx, "m", nil)
	var ce *CallError
	if !errors.As(err, &ce) || !ce.Timeout() {
		t.Fatalf("got %v, want an attempt timeout", err)
	}
	if el := time.Since(start); el < cfg.AttemptTimeout {
		t.Fatalf("timed out after %v, before the attempt timeout", el)
	}
	if seen != "t1" {
		t.Fatalf("the endpoint saw the value %v, want t1", seen)
	}
}

// TestDeadlineContext wants DeadlineContext to carry its parent's values, to end at its deadline
// (within a tick after the timeout) and not before, even when its parent is cancelled; and a
// Cluster's attempts under it to share their timer, except under a child that can be cancelled.
func TestDeadlineContext(t *testing.T) {
	const timeout = 40 * time.Millisecond
	parent, cancelParent := context.WithCancel(context.WithValue(context.Background(), ctxKey("k"), "v"))
	start := time.Now()
	ctx, cancel := DeadlineContext(parent, timeout)
	defer cancel()
	if ctx.Value(ctxKey("k")) != "v" {
		t.Fatal("the parent's value is lost")
	}
	dl, ok := ctx.Deadline()
	if !ok || dl.Before(start.Add(timeout)) || dl.After(time.Now().Add(timeout+deadlineTick)) {
		t.Fatalf("deadline %v after the start, want between %v and %v", dl.Sub(start), timeout, timeout+deadlineTick)
	}
	cancelParent()
	select {
	case <-ctx.Done():
		t.Fatal("ended with its parent")
	case <-time.After(timeout / 4):
	}
	if !deadlineOnly(ctx) || !deadlineOnly(context.WithValue(ctx, ctxKey("x"), 1)) {
		t.Fatal("a DeadlineContext (with values on top) is not seen to end only at its deadline")
	}
	child, cancelChild := context.WithCancel(ctx)
	if deadlineOnly(child) {
		t.Fatal("a cancellable child is taken for one that ends only at its deadline")
	}
	cancelChild()

	cfg := testConfig("first_available")
	cfg.AttemptTimeout = 10 * time.Millisecond
	c := newHarness(t, cfg, "a").c
	now := time.Now()
	actx, acancel := c.attemptContext(ctx, 10*time.Millisecond, now)
	if acancel != nil {
		acancel()
		t.Fatal("an attempt under a DeadlineContext made a timer of its own")
	}
	if actx.Value(ctxKey("k")) != "v" {
		t.Fatal("the attempt lost the caller's value")
	}
	if adl, _ := actx.Deadline(); !adl.Before(dl) || adl.Before(now.Add(10*time.Millisecond)) {
		t.Fatalf("attempt deadline %v, call deadline %v: want the attempt's, first", adl.Sub(now), dl.Sub(now))
	}
	if _, acancel := c.attemptContext(child, 10*time.Millisecond, now); acancel == nil {
		t.Fatal("an attempt under a cancellable context got a shared one: its cancellation would be lost")
	}
	select {
	case <-ctx.Done():
		if ctx.Err() != context.DeadlineExceeded || time.Now().Before(dl) {
			t.Fatalf("ended at %v with %v, before its deadline", time.Since(start), ctx.Err())
		}
	case <-time.After(time.Second):
		t.Fatal("did not end at its deadline")
	}
}
