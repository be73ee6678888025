package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// hang blocks until the attempt's context ends, then reports a timeout like a client would.
func hang(ctx context.Context, _ string, _ any, _ []any) error {
	<-ctx.Done()
	return &transportErr{timeout: true}
}

func TestDeadlineBoundsAllAttempts(t *testing.T) {
	cfg := testConfig("round_robin")
	cfg.AttemptTimeout = 0
	cfg.Methods = map[string]MethodConfig{"m": {Idempotent: true}}
	h := newHarness(t, cfg, "a", "b", "c")
	for _, f := range h.callers {
		f.set(hang)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := h.c.Call(ctx, "m", nil)
	var ce *CallError
	if !errors.As(err, &ce) || ce.Reason != reasonContext || len(ce.Attempts) != 1 {
		t.Fatalf("%v", err)
	}
	for _, s := range h.c.Stats().Endpoints {
		if s.Failures != 0 {
			t.Fatalf("the caller's own deadline counted against %s", s.Endpoint.URL)
		}
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	cfg := testConfig("first_available")
	cfg.AttemptTimeout = time.Hour
	cfg.Methods = map[string]MethodConfig{
		"idem": {Idempotent: true, Timeout: 5 * time.Millisecond},
		"once": {Timeout: 5 * time.Millisecond},
	}
	h := newHarness(t, cfg, "a", "b")
	h.callers["a"].set(hang)
	if got, err := h.call("idem"); err != nil || got != "b" {
		t.Fatalf("idempotent call after a's attempt timed out: %q %v", got, err)
	}
	_, err := h.call("once")
	var ce *CallError
	if !errors.As(err, &ce) || !ce.Timeout() || ce.Reason != reasonNotIdempotent || h.callers["b"].calls.Load() != 1 {
		t.Fatalf("non-idempotent timeout: %v", err)
	}
}

func TestHedgeAfterDelay(t *testing.T) {
	cfg := testConfig("first_available")
	cfg.Mode = ModeForking
	cfg.Hedge = HedgeConfig{Delay: 5 * time.Millisecond, MaxAttempts: 2}
	h := newHarness(t, cfg, "a", "b")
	// a answers only after b has answered and the call returned, so b must win
	bDone := make(chan struct{})
	h.callers["a"].set(func(ctx context.Context, _ string, reply any, _ []any) error {
		select {
		case <-bDone:
		case <-ctx.Done():
			return ctx.Err()
		}
		*reply.(*string) = "a"
		return nil
	})
	h.callers["b"].set(func(_ context.Context, _ string, reply any, _ []any) error {
		*reply.(*string) = "b"
		return nil
	})
	got, err := h.call("m")
	close(bDone)
	if err != nil || got != "b" {
		t.Fatalf("%q %v", got, err)
	}
	if st := h.c.Stats(); st.Retries != 1 {
		t.Fatalf("%d hedged copies counted, want 1", st.Retries)
	}
	// a fast first answer sends no second copy
	h.callers["a"].set(nil)
	if got, _ := h.call("m"); got != "a" || h.callers["b"].calls.Load() != 1 {
		t.Fatalf("%q, b called %d times", got, h.callers["b"].calls.Load())
	}
}

func TestFailfast(t *testing.T) {
	cfg := testConfig("round_robin")
	cfg.Mode = ModeFailfast
	h := newHarness(t, cfg, "a", "b")
	h.callers["a"].set(fail(errNotSent))
	_, err := h.call("m")
	var ce *CallError
	if !errors.As(err, &ce) || ce.Reason != reasonFailfast || h.callers["b"].calls.Load() != 0 {
		t.Fatalf("%v", err)
	}
}

func TestEventsAndMTBF(t *testing.T) {
	cfg := testConfig("round_robin")
	h := newHarness(t, cfg, "a", "b")
	a := h.member("a")
	flip := func(ok bool) {
		for range 2 {
			h.c.healthResult(a, ok, h.clk.now())
		}
	}
	// up 10s, down 2s, up 20s, down 4s, up
	h.clk.advance(10 * time.Second)
	flip(false)
	h.clk.advance(2 * time.Second)
	flip(true)
	h.clk.advance(20 * time.Second)
	flip(false)
	h.clk.advance(4 * time.Second)
	flip(true)
	var trail []string
	for range 4 {
		e := h.nextEvent()
		trail = append(trail, fmt.Sprintf("%v %v>%v", e.Time.Sub(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), e.From, e.To))
	}
	if fmt.Sprint(trail) != "[10s healthy>down 12s down>healthy 32s healthy>down 36s down>healthy]" {
		t.Fatalf("%v", trail)
	}
	s := h.c.Stats().Endpoints[0]
	if s.MTBF != 15*time.Second || s.MTTR != 3*time.Second || s.Availability != 30.0/36 {
		t.Fatalf("MTBF %v MTTR %v availability %v", s.MTBF, s.MTTR, s.Availability)
	}
	if s := (Event{Time: time.Date(2026, 1, 1, 1, 2, 3, 0, time.UTC), URL: "u", From: StateHealthy, To: StateEjected, Reason: "r"}).String(); s != "01:02:03.000 u healthy -> ejected (r)" {
		t.Fatal(s)
	}
}

// TestConcurrentChurn calls from many goroutines while endpoints come and go and fail: no call
// reaches a closed Caller (fakeCaller panics then), nothing races, every call ends.
func TestConcurrentChurn(t *testing.T) {
	cfg := testConfig("least_active")
	cfg.Methods = map[string]MethodConfig{"m": {Idempotent: true}}
	h := newHarness(t, cfg, "a", "b", "c")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			for i := 0; i < 2000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				h.c.Call(context.Background(), "m", nil)
			}
		})
	}
	sets := [][]Endpoint{{{URL: "a"}, {URL: "b"}}, {{URL: "b"}, {URL: "c"}, {URL: "d"}}, {{URL: "a"}, {URL: "d", Backup: true}}}
	for i := 0; i < 5000 && (i < 60 || h.c.calls.Load() < 2000); i++ {
		if err := h.c.SetEndpoints(sets[i%len(sets)]); err != nil {
			t.Fatal(err)
		}
		for _, m := range h.c.snap.Load().all {
			h.c.observe(m, OutcomeTimeout, h.clk.now())
		}
		h.c.tick(h.clk.advance(100 * time.Millisecond))
	}
	close(stop)
	wg.Wait()
	if st := h.c.Stats(); st.Calls < 2000 {
		t.Fatalf("only %d calls made during the churn", st.Calls)
	}
}

func TestNoEndpoints(t *testing.T) {
	for _, mode := range []Mode{ModeFailover, ModeFailfast, ModeForking, ModeBroadcast} {
		cfg := testConfig("round_robin")
		cfg.Mode = mode
		h := newHarness(t, cfg)
		if _, err := h.call("m"); !errors.Is(err, ErrNoEndpoints) {
			t.Fatalf("%s with no endpoints: %v", mode, err)
		}
	}
}
