package rpc

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestLazyDeadlineEnds(t *testing.T) {
	dl := time.Now().Add(30 * time.Millisecond)
	ctx, cancel := WithLazyDeadline(context.Background(), dl)
	defer cancel()
	if got, ok := ctx.Deadline(); !ok || !got.Equal(dl) {
		t.Fatalf("deadline %v %v", got, ok)
	}
	if err := ctx.Err(); err != nil {
		t.Fatalf("err before the deadline: %v", err)
	}
	if ctx.(*lazyDeadline).inner.Load() != nil {
		t.Fatal("Deadline or Err made the timer")
	}
	select {
	case <-ctx.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("Done not closed at the deadline")
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) || !errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
		t.Fatalf("err %v cause %v", ctx.Err(), context.Cause(ctx))
	}
}

func TestLazyDeadlinePassedWithoutTimer(t *testing.T) {
	ctx, cancel := WithLazyDeadline(context.Background(), time.Now().Add(-time.Millisecond))
	defer cancel()
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("err %v", ctx.Err())
	}
	select {
	case <-ctx.Done():
	default:
		t.Fatal("Done of a passed deadline is open")
	}
}

func TestLazyDeadlineParentFirst(t *testing.T) {
	parent, pcancel := context.WithTimeout(context.Background(), time.Hour)
	defer pcancel()
	ctx, cancel := WithLazyDeadline(parent, time.Now().Add(2*time.Hour))
	defer cancel()
	if ctx != parent {
		t.Fatal("a later deadline made a new context")
	}
}

func TestLazyDeadlineCancel(t *testing.T) {
	for _, waitFirst := range []bool{false, true} {
		parent, pcancel := context.WithCancel(context.Background())
		ctx, cancel := WithLazyDeadline(parent, time.Now().Add(time.Hour))
		var derived context.Context
		if waitFirst {
			ctx.Done()
			var dcancel context.CancelFunc
			derived, dcancel = context.WithCancel(ctx)
			defer dcancel()
		}
		cancel()
		if !errors.Is(ctx.Err(), context.Canceled) {
			t.Fatalf("waited %v: err after cancel %v", waitFirst, ctx.Err())
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
			t.Fatalf("waited %v: Done open after cancel", waitFirst)
		}
		if derived != nil && derived.Err() == nil {
			t.Fatal("a derived context outlived cancel")
		}
		if parent.Err() != nil {
			t.Fatal("cancel reached the parent")
		}
		pcancel()
	}
}

func TestLazyDeadlineParentCancel(t *testing.T) {
	parent, pcancel := context.WithCancel(context.WithValue(context.Background(), ctxTestKey{}, "v"))
	ctx, cancel := WithLazyDeadline(parent, time.Now().Add(time.Hour))
	defer cancel()
	if ctx.Value(ctxTestKey{}) != "v" {
		t.Fatal("parent's value lost")
	}
	derived, dcancel := context.WithCancel(ctx)
	defer dcancel()
	pcancel()
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("err %v", ctx.Err())
	}
	select {
	case <-derived.Done():
	case <-time.After(time.Second):
		t.Fatal("a derived context missed parent's end")
	}
}

type ctxTestKey struct{}

// TestLazyDeadlineAllocs holds the point of the context: one that nobody waits on costs its own
// allocation and its cancel's, and no timer.
func TestLazyDeadlineAllocs(t *testing.T) {
	parent, pcancel := context.WithCancel(context.Background())
	defer pcancel()
	dl := time.Now().Add(time.Hour)
	lazy := testing.AllocsPerRun(1000, func() {
		ctx, cancel := WithLazyDeadline(parent, dl)
		_ = ctx.Err()
		cancel()
	})
	std := testing.AllocsPerRun(1000, func() {
		ctx, cancel := context.WithDeadline(parent, dl)
		_ = ctx.Err()
		cancel()
	})
	t.Logf("allocations: lazy %.0f, context.WithDeadline %.0f", lazy, std)
	if lazy > 2 || lazy >= std {
		t.Fatalf("lazy deadline: %.0f allocations, context.WithDeadline %.0f", lazy, std)
	}
}

// FuzzLazyDeadline cross-checks WithLazyDeadline against context.WithDeadline, the general path
// it shortcuts: both are given the same parent and deadline (passed or an hour ahead), then the
// same steps (ask Done, derive a context, cancel, cancel the parent), and must agree on Err and on
// whether Done is closed after each.
func FuzzLazyDeadline(f *testing.F) {
	f.Add(false, []byte{0, 1, 2, 3})
	f.Add(true, []byte{3, 0, 2})
	f.Add(false, []byte{2, 2, 0, 1})
	f.Fuzz(func(t *testing.T, passed bool, steps []byte) {
		if len(steps) > 16 {
			steps = steps[:16]
		}
		dl := time.Now().Add(time.Hour)
		if passed {
			dl = time.Now().Add(-time.Second)
		}
		type side struct {
			parentCancel, cancel, derivedCancel context.CancelFunc
			ctx, derived                        context.Context
		}
		mk := func(with func(context.Context, time.Time) (context.Context, context.CancelFunc)) *side {
			p, pc := context.WithCancel(context.Background())
			c, cc := with(p, dl)
			return &side{parentCancel: pc, cancel: cc, ctx: c}
		}
		lazy, std := mk(WithLazyDeadline), mk(context.WithDeadline)
		defer func() {
			for _, s := range []*side{lazy, std} {
				s.cancel()
				s.parentCancel()
				if s.derivedCancel != nil {
					s.derivedCancel()
				}
			}
		}()
		for i, st := range steps {
			for _, s := range []*side{lazy, std} {
				switch st % 4 {
				case 0:
					s.ctx.Done()
				case 1:
					if s.derived == nil {
						s.derived, s.derivedCancel = context.WithCancel(s.ctx)
					}
				case 2:
					s.cancel()
				case 3:
					s.parentCancel()
				}
			}
			if le, se := lazy.ctx.Err(), std.ctx.Err(); le != se {
				t.Fatalf("step %d (%d): Err %v, context.WithDeadline's %v", i, st%4, le, se)
			}
			if st%4 != 0 {
				continue // Done makes the lazy context's timer: ask it only in the steps that do
			}
			if ld, sd := closedSoon(lazy.ctx), closedSoon(std.ctx); ld != sd {
				t.Fatalf("step %d (%d): Done closed %v, context.WithDeadline's %v", i, st%4, ld, sd)
			}
			if lazy.derived != nil && closedSoon(lazy.derived) != closedSoon(std.derived) {
				t.Fatalf("step %d (%d): a derived context differs", i, st%4)
			}
		}
	})
}

// closedSoon reports whether ctx's Done is closed, waiting a little when its Err says it ended
// (a derived context learns of its parent's end asynchronously when it has no cancelCtx to find).
func closedSoon(ctx context.Context) bool {
	wait := time.Duration(0)
	if ctx.Err() != nil {
		wait = time.Second
	}
	select {
	case <-ctx.Done():
		return true
	case <-time.After(wait):
		return false
	}
}
