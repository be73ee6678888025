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
