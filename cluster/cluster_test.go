package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	bg := context.Background()
	passed := pastDeadline{bg}
	for _, tc := range []struct {
		ctx  context.Context
		err  error
		want Outcome
	}{
		{bg, nil, OutcomeSuccess},
		{done, errNotSent, OutcomeCancelled},
		{passed, context.DeadlineExceeded, OutcomeCancelled}, // the caller's deadline, timer or not
		{passed, errTimeout, OutcomeCancelled},
		{bg, &appFault{4}, OutcomeFault},
		{bg, fmt.Errorf("wrapped: %w", &appFault{4}), OutcomeFault},
		{bg, errNotSent, OutcomeNotSent},
		{bg, &transportErr{notSent: true, status: 503}, OutcomeNotSent},
		{bg, errTimeout, OutcomeTimeout},
		{bg, context.DeadlineExceeded, OutcomeTimeout},
		{bg, err500, OutcomeStatus},
		{bg, &transportErr{status: 404}, OutcomeFailure},
		{bg, errors.New("bad answer"), OutcomeFailure},
	} {
		if got := Classify(tc.ctx, tc.err); got != tc.want {
			t.Errorf("Classify(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	for o, want := range map[Outcome]bool{OutcomeSuccess: false, OutcomeCancelled: false, OutcomeFault: false,
		OutcomeNotSent: true, OutcomeTimeout: true, OutcomeStatus: true, OutcomeFailure: true} {
		if o.Failed() != want {
			t.Errorf("%v.Failed() = %v", o, !want)
		}
	}
}

// pastDeadline is a context whose deadline has passed but whose timer has not fired yet: Err
// still reports nil, as a context.WithDeadline does for a moment after its deadline.
type pastDeadline struct{ context.Context }

func (pastDeadline) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }

func TestCheckCounterRiseFall(t *testing.T) {
	hc := &HealthConfig{Interval: time.Second, FastInterval: 100 * time.Millisecond, DownInterval: 5 * time.Second, Rise: 2, Fall: 3}
	var c checkCounter
	steps := []struct {
		ok       bool
		flip     bool
		down     bool
		interval time.Duration
	}{
		{true, false, false, time.Second},
		{false, false, false, 100 * time.Millisecond}, // changing: fastinter
		{true, false, false, time.Second},             // a success resets the count
		{false, false, false, 100 * time.Millisecond},
		{false, false, false, 100 * time.Millisecond},
		{false, true, true, 5 * time.Second}, // third failure in a row: down, downinter
		{false, false, true, 5 * time.Second},
		{true, false, true, 100 * time.Millisecond}, // rising: fastinter
		{true, true, false, time.Second},            // second success: up
	}
	for i, s := range steps {
		flip := c.observe(s.ok, hc.Rise, hc.Fall)
		if flip != s.flip || c.down != s.down || c.interval(hc) != s.interval {
			t.Fatalf("step %d: flip %v down %v interval %v, want %v %v %v", i, flip, c.down, c.interval(hc), s.flip, s.down, s.interval)
		}
	}
	if d := jitter(time.Second, 0.1, 0); d != 900*time.Millisecond {
		t.Fatalf("jitter low = %v", d)
	}
	if d := jitter(time.Second, 0.1, 0.9999999); d < 999*time.Millisecond || d > 1100*time.Millisecond {
		t.Fatalf("jitter high = %v", d)
	}
}

func TestActiveHealthDownUpWithSlowStart(t *testing.T) {
	cfg := testConfig("weighted_round_robin")
	cfg.SlowStart = 10 * time.Second
	h := newHarness(t, cfg, "a", "b")
	a := h.member("a")
	for range 2 {
		h.c.healthResult(a, false, h.clk.now())
	}
	if s := h.state("a"); s != StateDown {
		t.Fatalf("a is %v after Fall failed checks", s)
	}
	if e := h.nextEvent(); e.URL != "a" || e.From != StateHealthy || e.To != StateDown || !strings.Contains(e.Reason, "health checks") {
		t.Fatalf("event %v", e)
	}
	for range 10 {
		if got, err := h.call("m"); err != nil || got != "b" {
			t.Fatalf("call went to %q (%v) while a is down", got, err)
		}
	}
	h.clk.advance(4 * time.Second)
	h.c.healthResult(a, true, h.clk.now())
	h.c.healthResult(a, true, h.clk.now())
	if s := h.state("a"); s != StateSlowStart {
		t.Fatalf("a is %v after Rise passed checks", s)
	}
	e := h.nextEvent()
	if e.To != StateSlowStart {
		t.Fatalf("event %v", e)
	}
	weight := func() int { return h.c.Stats().Endpoints[0].Weight }
	if w := weight(); w != 5 { // 5% floor at the start of the ramp
		t.Fatalf("weight at the start of slow start %d, want 5", w)
	}
	h.clk.advance(5 * time.Second)
	h.c.tick(h.clk.now())
	if w := weight(); w != 50 {
		t.Fatalf("weight half way through slow start %d, want 50", w)
	}
	// with weights 50:100 a smooth WRR cycle gives a one call in three
	n := 0
	for range 30 {
		if got, _ := h.call("m"); got == "a" {
			n++
		}
	}
	if n != 10 {
		t.Fatalf("a took %d of 30 calls half way through slow start", n)
	}
	h.clk.advance(5 * time.Second)
	h.c.tick(h.clk.now())
	if s, w := h.state("a"), weight(); s != StateHealthy || w != 100 {
		t.Fatalf("after slow start: %v weight %d", s, w)
	}
	st := h.c.Stats().Endpoints[0]
	if st.MTTR != 4*time.Second || st.Availability != 10.0/14 {
		t.Fatalf("MTTR %v availability %v, want 4s and 10/14", st.MTTR, st.Availability)
	}
}

func TestOutlierEjectionGrowsAndIsCapped(t *testing.T) {
	cfg := testConfig("first_available")
	cfg.Outlier.BaseEjection, cfg.Outlier.MaxEjection = time.Second, 3*time.Second
	cfg.Breaker.Threshold = 0
	h := newHarness(t, cfg, "a", "b")
	h.callers["a"].set(fail(errNotSent))
	for round, want := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second} {
		for i := range 5 {
			got, err := h.call("m")
			if err != nil || got != "b" {
				t.Fatalf("round %d call %d: %q %v, want b after a's not-sent failure", round, i, got, err)
			}
		}
		if s := h.state("a"); s != StateEjected {
			t.Fatalf("round %d: a is %v after 5 consecutive failures", round, s)
		}
		e := h.nextEvent()
		if e.To != StateEjected || !strings.Contains(e.Reason, "ejected for "+want.String()) {
			t.Fatalf("round %d: event %v, want an ejection for %v", round, e, want)
		}
		h.clk.advance(want - time.Millisecond)
		h.c.tick(h.clk.now())
		if s := h.state("a"); s != StateEjected {
			t.Fatalf("round %d: a back before its ejection ended", round)
		}
		h.clk.advance(time.Millisecond)
		h.c.tick(h.clk.now())
		if s := h.state("a"); s != StateHealthy {
			t.Fatalf("round %d: a is %v after its ejection", round, s)
		}
		h.nextEvent()
	}
	// a long healthy spell lets the multiplier decay back to one
	h.clk.advance(time.Minute)
	for range 5 {
		h.call("m")
	}
	if e := h.nextEvent(); !strings.Contains(e.Reason, "ejected for 1s") {
		t.Fatalf("after a healthy minute: %v", e)
	}
	if st := h.c.Stats().Endpoints[0]; st.Ejections != 5 || st.Failures != 25 {
		t.Fatalf("stats %+v", st)
	}
}

// TestLatencyStartsOverOnReturn: an endpoint ejected after timeouts comes back without their
// latency, so p2c_ewma chooses it again.
func TestLatencyStartsOverOnReturn(t *testing.T) {
	cfg := testConfig("p2c_ewma")
	cfg.Breaker.Threshold = 0
	h := newHarness(t, cfg, "a", "b")
	h.member("b").recordLatency(time.Millisecond)
	h.callers["a"].set(fail(errTimeout))
	for range 20 {
		h.call("m")
		if h.state("a") == StateEjected {
			break
		}
	}
	if s := h.state("a"); s != StateEjected {
		t.Fatalf("a is %v, want ejected", s)
	}
	h.member("a").recordLatency(750 * time.Millisecond) // what its timeouts cost
	h.callers["a"].set(nil)
	h.clk.advance(cfg.Outlier.BaseEjection)
	h.c.tick(h.clk.now())
	if s := h.state("a"); s != StateHealthy {
		t.Fatalf("a is %v after its ejection", s)
	}
	if d := h.member("a").LatencyEWMA(); d != 0 {
		t.Fatalf("a's latency EWMA is %v after coming back, want it started over", d)
	}
	picked := 0
	for range 100 {
		if got, _ := h.call("m"); got == "a" {
			picked++
		}
	}
	if picked == 0 {
		t.Fatal("p2c_ewma never chose the endpoint that came back")
	}
}

// TestIdleLatencyDecays: p2c_ewma avoids an endpoint after a slow spell, but its latency EWMA
// decays while it gets no calls, so the endpoint is tried again instead of starved for good.
func TestIdleLatencyDecays(t *testing.T) {
	h := newHarness(t, testConfig("p2c_ewma"), "a", "b")
	h.callers["b"].set(func(_ context.Context, _ string, reply any, _ []any) error {
		h.clk.advance(time.Millisecond) // b answers in 1 ms
		*reply.(*string) = "b"
		return nil
	})
	h.member("a").recordLatency(500 * time.Millisecond) // a's slow spell
	h.member("b").recordLatency(time.Millisecond)
	h.c.tick(h.clk.now())
	first := -1
	for i := range 400 { // 20 s of 50 ms ticks, one call each
		if got, err := h.call("m"); err != nil {
			t.Fatal(err)
		} else if got == "a" {
			first = i
			break
		}
		h.clk.advance(tickInterval)
		h.c.tick(h.clk.now())
	}
	if first < 0 {
		t.Fatal("p2c_ewma never tried a again")
	}
	if first < 100 || first > 250 { // 500 ms must decay below 1 ms: about 9 half-lives
		t.Fatalf("a tried again after %d ticks, want about 180", first)
	}
	if d := h.member("b").LatencyEWMA(); d < 900*time.Microsecond {
		t.Fatalf("b, in use all along, has a latency EWMA of %v, want its 1 ms kept", d)
	}
}

// TestEjectionWaitsForFailingChecks: an ejection that ends while the endpoint's active checks
// are failing lasts until they decide, so a hung server does not come back between the two.
func TestEjectionWaitsForFailingChecks(t *testing.T) {
	for _, pass := range []bool{false, true} {
		cfg := testConfig("round_robin")
		cfg.Breaker.Threshold = 0
		h := newHarness(t, cfg, "a", "b")
		a := h.member("a")
		for range 5 {
			h.c.observe(a, OutcomeTimeout, h.clk.now())
		}
		h.c.healthResult(a, false, h.clk.now()) // one failed check of Fall 2
		h.clk.advance(cfg.Outlier.BaseEjection)
		h.c.tick(h.clk.now())
		if s := h.state("a"); s != StateEjected {
			t.Fatalf("a is %v when its ejection ended with a check failing, want still ejected", s)
		}
		h.clk.advance(cfg.Health.FastInterval)
		h.c.healthResult(a, pass, h.clk.now())
		h.c.tick(h.clk.now())
		want := StateDown
		if pass {
			want = StateHealthy
		}
		if s := h.state("a"); s != want {
			t.Fatalf("second check passed=%v: a is %v, want %v", pass, s, want)
		}
	}
}

func TestMaxEjectedShare(t *testing.T) {
	cfg := testConfig("round_robin")
	cfg.Breaker.Threshold = 0
	cfg.Outlier.MaxEjectedPercent = 50
	cfg.Mode = ModeFailfast
	h := newHarness(t, cfg, "a", "b", "c", "d")
	for _, f := range h.callers {
		f.set(fail(err500))
	}
	for range 40 {
		h.call("m")
	}
	ejected := 0
	for _, s := range h.c.Stats().Endpoints {
		if s.State == StateEjected {
			ejected++
		}
	}
	if ejected != 2 {
		t.Fatalf("%d of 4 ejected, want 2 (50%%)", ejected)
	}
}

func TestFailureRateEjection(t *testing.T) {
	cfg := testConfig("round_robin")
	cfg.Breaker.Threshold = 0
	cfg.Outlier.ConsecutiveFailures = 0
	cfg.Outlier.FailureRate, cfg.Outlier.MinRequests = 0.5, 10
	cfg.Mode = ModeFailfast
	h := newHarness(t, cfg, "a", "b")
	n := 0
	h.callers["a"].set(func(context.Context, string, any, []any) error {
		n++
		if n%2 == 0 {
			return errTimeout
		}
		return nil
	})
	for i := range 18 { // a sees 9 calls, 4 failed: below MinRequests
		h.call("m")
		h.clk.advance(10 * time.Millisecond)
		_ = i
	}
	if s := h.state("a"); s != StateHealthy {
		t.Fatalf("a %v before MinRequests", s)
	}
	h.call("m") // b
	h.call("m") // a: 10th call, 5 failures = 50%
	if s := h.state("a"); s != StateEjected {
		t.Fatalf("a %v at a 50%% failure rate", s)
	}
}

func TestBreaker(t *testing.T) {
	cfg := testConfig("first_available")
	cfg.Outlier.ConsecutiveFailures = 0
	cfg.Outlier.FailureRate = 0
	cfg.Breaker = BreakerConfig{Threshold: 3, OpenTime: time.Second, HalfOpenProbes: 1}
	cfg.Mode = ModeFailfast
	h := newHarness(t, cfg, "a", "b")
	h.callers["a"].set(fail(errTimeout))
	for range 3 {
		h.call("m")
	}
	if s := h.state("a"); s != StateCircuitOpen {
		t.Fatalf("a %v after 3 failures", s)
	}
	if got, _ := h.call("m"); got != "b" {
		t.Fatalf("open breaker let a call through to %q", got)
	}
	h.clk.advance(time.Second)
	h.c.tick(h.clk.now())
	if s := h.state("a"); s != StateHalfOpen {
		t.Fatalf("a %v after OpenTime", s)
	}
	// one probe slot: a second pick while the probe is out goes elsewhere
	pi := PickInfo{}
	m1, probe1, _ := h.c.pick(&pi)
	m2, probe2, _ := h.c.pick(&PickInfo{})
	if m1 != h.member("a") || !probe1 || m2 != h.member("b") || probe2 {
		t.Fatalf("picks %v %v / %v %v", m1.Endpoint().URL, probe1, m2.Endpoint().URL, probe2)
	}
	m1.probes.Add(-1)
	// the probe fails: open again
	if _, err := h.call("m"); err == nil {
		t.Fatal("failing probe succeeded")
	}
	if s := h.state("a"); s != StateCircuitOpen {
		t.Fatalf("a %v after a failed probe", s)
	}
	h.clk.advance(time.Second)
	h.c.tick(h.clk.now())
	h.callers["a"].set(nil)
	if got, err := h.call("m"); err != nil || got != "a" {
		t.Fatalf("probe: %q %v", got, err)
	}
	if s := h.state("a"); s != StateHealthy {
		t.Fatalf("a %v after a successful probe", s)
	}
}

func TestFaultIsHealthyAndNeverRetried(t *testing.T) {
	cfg := testConfig("round_robin")
	cfg.Methods = map[string]MethodConfig{"m": {Idempotent: true}}
	h := newHarness(t, cfg, "a", "b")
	h.callers["a"].set(fail(&appFault{7}))
	h.callers["b"].set(fail(&appFault{7}))
	for range 50 {
		_, err := h.call("m")
		var f *appFault
		if !errors.As(err, &f) || f.code != 7 {
			t.Fatalf("err %v, want the fault itself", err)
		}
	}
	if n := h.callers["a"].calls.Load() + h.callers["b"].calls.Load(); n != 50 {
		t.Fatalf("%d attempts for 50 faulting calls", n)
	}
	for _, s := range h.c.Stats().Endpoints {
		if s.State != StateHealthy || s.Faults != 25 || s.Failures != 0 {
			t.Fatalf("stats %+v", s)
		}
	}
}

func TestAtMostOnce(t *testing.T) {
	cfg := testConfig("first_available")
	cfg.Methods = map[string]MethodConfig{"idem": {Idempotent: true}}
	for _, tc := range []struct {
		method   string
		err      error
		attempts int
		reason   string
	}{
		{"m", errTimeout, 1, reasonNotIdempotent},
		{"m", err500, 1, reasonNotIdempotent},
		{"m", errNotSent, 2, ""},
		{"idem", errTimeout, 2, ""},
		{"idem", err500, 2, ""},
	} {
		h := newHarness(t, cfg, "a", "b")
		h.callers["a"].set(fail(tc.err))
		got, err := h.call(tc.method)
		if n := h.callers["a"].calls.Load() + h.callers["b"].calls.Load(); n != int64(tc.attempts) {
			t.Fatalf("%s %v: %d attempts, want %d", tc.method, tc.err, n, tc.attempts)
		}
		if tc.reason == "" {
			if err != nil || got != "b" {
				t.Fatalf("%s %v: %q %v, want b", tc.method, tc.err, got, err)
			}
			continue
		}
		var ce *CallError
		if !errors.As(err, &ce) || ce.Reason != tc.reason || !errors.Is(err, tc.err) {
			t.Fatalf("%s %v: %v, want a CallError (%s) wrapping it", tc.method, tc.err, err, tc.reason)
		}
		if tc.err == errTimeout && !ce.Timeout() {
			t.Fatal("CallError.Timeout() false for a timeout")
		}
	}
}

func TestAttemptsBoundedAndNotSentError(t *testing.T) {
	cfg := testConfig("round_robin")
	cfg.Retry.MaxAttempts = 3
	h := newHarness(t, cfg, "a", "b", "c", "d")
	for _, f := range h.callers {
		f.set(fail(errNotSent))
	}
	_, err := h.call("m")
	var ce *CallError
	if !errors.As(err, &ce) || len(ce.Attempts) != 3 || ce.Reason != reasonAttempts || !ce.NotSent() {
		t.Fatalf("%v", err)
	}
	seen := map[string]bool{}
	for _, a := range ce.Attempts {
		if seen[a.URL] {
			t.Fatalf("endpoint %s tried twice: %v", a.URL, err)
		}
		seen[a.URL] = true
	}
	cfg.Retry.MaxAttempts = 10
	h = newHarness(t, cfg, "a", "b")
	for _, f := range h.callers {
		f.set(fail(errNotSent))
	}
	// Once both were tried, retries go round again, up to the attempts allowed.
	_, err = h.call("m")
	if !errors.As(err, &ce) || len(ce.Attempts) != 10 || ce.Reason != reasonAttempts {
		t.Fatalf("two endpoints, ten attempts allowed: %v", err)
	}
	for i := 0; i < len(ce.Attempts); i += 2 {
		if ce.Attempts[i].URL == ce.Attempts[i+1].URL {
			t.Fatalf("round %d tried %s twice: %v", i/2, ce.Attempts[i].URL, err)
		}
	}
}

// TestRetryLastEndpoint: with one routable endpoint, an idempotent call whose attempt failed is
// retried there (after its backoff, within the budget), and a call that is not idempotent is not.
func TestRetryLastEndpoint(t *testing.T) {
	cfg := testConfig("round_robin")
	cfg.Methods = map[string]MethodConfig{"get": {Idempotent: true}}
	h := newHarness(t, cfg, "a")
	var n atomic.Int64
	h.callers["a"].set(func(_ context.Context, _ string, reply any, _ []any) error {
		if n.Add(1) == 1 {
			return err500 // sent: retried only when idempotent
		}
		*reply.(*string) = "a"
		return nil
	})
	if got, err := h.call("get"); err != nil || got != "a" || n.Load() != 2 {
		t.Fatalf("idempotent call on the last endpoint: %q %v after %d attempts", got, err, n.Load())
	}
	n.Store(0)
	var ce *CallError
	if _, err := h.call("set"); !errors.As(err, &ce) || ce.Reason != reasonNotIdempotent || n.Load() != 1 {
		t.Fatalf("non-idempotent call: %v after %d attempts, want one", err, n.Load())
	}
	// A not-sent failure is always safe to repeat, on the same endpoint too.
	n.Store(0)
	h.callers["a"].set(func(_ context.Context, _ string, reply any, _ []any) error {
		if n.Add(1) < 3 {
			return errNotSent
		}
		return nil
	})
	if _, err := h.call("set"); err != nil || n.Load() != 3 {
		t.Fatalf("not-sent failures on the last endpoint: %v after %d attempts", err, n.Load())
	}
	// The retries stop at the caller's deadline, during the backoff.
	cfg = testConfig("round_robin")
	cfg.Retry.BaseBackoff, cfg.Retry.MaxBackoff = time.Hour, time.Hour
	h = newHarness(t, cfg, "a")
	h.callers["a"].set(fail(errNotSent))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := h.c.Call(ctx, "m", nil); !errors.As(err, &ce) || ce.Reason != reasonContext || time.Since(start) > 10*time.Second {
		t.Fatalf("retry past the caller's deadline: %v after %v", err, time.Since(start))
	}
}

func TestRetryBudget(t *testing.T) {
	var b budget
	b.init(&RetryConfig{BudgetRatio: 0.2, BudgetReserve: 0, BudgetMax: 100})
	retries := 0
	for range 1000 {
		b.onCall()
		for b.tryRetry() {
			retries++
		}
	}
	if retries != 200 {
		t.Fatalf("%d retries for 1000 calls at 20%%", retries)
	}
	b.init(&RetryConfig{BudgetRatio: 0.2, BudgetReserve: 3, BudgetMax: 5})
	for range 1000 {
		b.onCall()
	}
	n := 0
	for b.tryRetry() {
		n++
	}
	if n != 5 {
		t.Fatalf("%d retries saved up, want the cap 5", n)
	}

	// through the cluster: every call fails not-sent everywhere; retries stay within budget
	cfg := testConfig("round_robin")
	cfg.Retry = RetryConfig{MaxAttempts: 5, BudgetRatio: 0.2, BudgetReserve: 2, BudgetMax: 10}
	cfg.Outlier.ConsecutiveFailures, cfg.Outlier.FailureRate, cfg.Breaker.Threshold = 0, 0, 0
	h := newHarness(t, cfg, "a", "b", "c", "d", "e")
	for _, f := range h.callers {
		f.set(fail(errNotSent))
	}
	refused := 0
	for range 100 {
		if _, err := h.call("m"); errors.Is(err, ErrBudgetExhausted) {
			refused++
		}
	}
	st := h.c.Stats()
	if st.Retries > 2+20 || st.Retries < 20 || refused == 0 || int64(refused) != st.BudgetRefused {
		t.Fatalf("retries %d refused %d (%d), want at most 22", st.Retries, refused, st.BudgetRefused)
	}
}

func TestBackupsOnlyWhenEveryPrimaryIsDown(t *testing.T) {
	for _, policy := range Policies() {
		cfg := testConfig(policy)
		h := newHarness(t, cfg, "a", "b", "c!", "d!")
		for i := range 40 {
			if got, _ := h.call("m", i); got == "c" || got == "d" {
				t.Fatalf("%s: backup used while primaries are up", policy)
			}
		}
		down := func(url string) {
			for range cfg.Health.Fall {
				h.c.healthResult(h.member(url), false, h.clk.now())
			}
		}
		down("a")
		for i := range 20 {
			if got, _ := h.call("m", i); got != "b" {
				t.Fatalf("%s: call to %q with a down", policy, got)
			}
		}
		down("b")
		for i := range 20 {
			if got, _ := h.call("m", i); got != "c" && got != "d" {
				t.Fatalf("%s: call to %q with every primary down", policy, got)
			}
		}
		down("c")
		for i := range 20 {
			if got, _ := h.call("m", i); got != "d" {
				t.Fatalf("%s: call to %q with only backup d up", policy, got)
			}
		}
		if policy != "round_robin" {
			continue
		}
		down("d")
		seen := map[string]bool{}
		for range 8 {
			got, _ := h.call("m")
			seen[got] = true
		}
		if len(seen) != 4 {
			t.Fatalf("last resort with everything down used %v, want all four", seen)
		}
	}
}

func TestLatencyQuantiles(t *testing.T) {
	var h latencyHist
	for i := 1; i <= 100; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	q := h.quantiles(0.5, 0.9, 0.99)
	for i, want := range []time.Duration{50 * time.Millisecond, 90 * time.Millisecond, 99 * time.Millisecond} {
		if q[i] < want || q[i] > want*5/4 {
			t.Fatalf("quantile %d = %v, want within [%v, %v]", i, q[i], want, want*5/4)
		}
	}
	for _, ns := range []int64{1, 1023, 1024, 1500, 1 << 20, 3 << 30, 1 << 62} {
		i := histIndex(ns)
		if ns >= histUpper(i) && i != histBuckets-1 || (i > 0 && ns < histUpper(i-1)) {
			t.Fatalf("%d ns in bucket %d [%d, %d)", ns, i, histUpper(i-1), histUpper(i))
		}
	}
}

func TestEveryPolicyFailsOver(t *testing.T) {
	for _, p := range Policies() {
		cfg := testConfig(p)
		h := newHarness(t, cfg, "a", "b", "c")
		h.callers["a"].set(fail(errNotSent))
		h.callers["b"].set(fail(errNotSent))
		for i := range 10 {
			if got, err := h.call("m", i); err != nil || got != "c" {
				t.Fatalf("%s: %q %v", p, got, err)
			}
		}
	}
}

func TestHedgingFirstSuccessWins(t *testing.T) {
	cfg := testConfig("first_available")
	cfg.Mode = ModeForking
	cfg.Hedge = HedgeConfig{Delay: 0, MaxAttempts: 2}
	h := newHarness(t, cfg, "a", "b")
	started := make(chan struct{})
	h.callers["a"].set(func(ctx context.Context, _ string, _ any, _ []any) error {
		close(started)
		<-ctx.Done() // hangs until the winner cancels it
		return &transportErr{timeout: true}
	})
	got, err := h.call("m")
	if err != nil || got != "b" {
		t.Fatalf("%q %v", got, err)
	}
	<-started
	for _, s := range h.c.Stats().Endpoints {
		if s.Failures != 0 || s.State != StateHealthy {
			t.Fatalf("a cancelled hedge counted against %s: %+v", s.Endpoint.URL, s)
		}
	}
}

func TestHedgingAllFail(t *testing.T) {
	cfg := testConfig("round_robin")
	cfg.Mode = ModeForking
	cfg.Hedge = HedgeConfig{Delay: time.Hour, MaxAttempts: 3}
	h := newHarness(t, cfg, "a", "b", "c")
	for _, f := range h.callers {
		f.set(fail(err500))
	}
	_, err := h.call("m")
	var ce *CallError
	if !errors.As(err, &ce) || len(ce.Attempts) != 3 {
		t.Fatalf("%v", err) // each failure launches the next copy at once
	}
}

func TestBroadcast(t *testing.T) {
	cfg := testConfig("round_robin")
	h := newHarness(t, cfg, "a", "b", "c", "z!")
	h.callers["b"].set(fail(err500))
	var s string
	rs := h.c.Broadcast(context.Background(), "push", &s)
	if len(rs) != 3 || s != "" {
		t.Fatalf("%d results, reply %q", len(rs), s)
	}
	for i, want := range []string{"a", "b", "c"} {
		r := rs[i]
		if r.URL != want || (want == "b") != (r.Err != nil) {
			t.Fatalf("result %d: %+v", i, r)
		}
		if r.Err == nil && *r.Reply.(*string) != want {
			t.Fatalf("reply %v", *r.Reply.(*string))
		}
	}
	cfg.Methods = map[string]MethodConfig{"push": {Mode: ModeBroadcast}}
	h = newHarness(t, cfg, "a", "b")
	h.callers["b"].set(fail(err500))
	got, err := h.call("push")
	var be *BroadcastError
	if !errors.As(err, &be) || len(be.Results) != 2 || got != "a" || !errors.Is(err, err500) {
		t.Fatalf("%q %v", got, err)
	}
}

func TestMembershipChangeKeepsCallsInFlight(t *testing.T) {
	cfg := testConfig("first_available")
	h := newHarness(t, cfg, "a", "b")
	release := make(chan struct{})
	inCall := make(chan struct{})
	h.callers["a"].set(func(context.Context, string, any, []any) error {
		close(inCall)
		<-release
		return nil
	})
	done := make(chan error, 1)
	go func() { _, err := h.call("m"); done <- err }()
	<-inCall
	if err := h.c.SetEndpoints([]Endpoint{{URL: "b"}, {URL: "c", Weight: 2}}); err != nil {
		t.Fatal(err)
	}
	if h.callers["a"].closed.Load() {
		t.Fatal("removed endpoint closed with a call in flight")
	}
	if got, _ := h.call("m"); got != "b" {
		t.Fatalf("call after removal went to %q", got)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("call in flight during removal: %v", err)
	}
	if !h.callers["a"].closed.Load() {
		t.Fatal("removed endpoint not closed after its last call")
	}
	urls := []string{}
	for _, e := range h.c.Endpoints() {
		urls = append(urls, fmt.Sprint(e.URL, e.Weight))
	}
	if strings.Join(urls, " ") != "b0 c2" {
		t.Fatalf("endpoints %v", urls)
	}
	var removed bool
	for range len(h.events) {
		if e := <-h.events; e.URL == "a" && e.To == StateRemoved {
			removed = true
		}
	}
	if !removed {
		t.Fatal("no removal event")
	}
}

func TestCallErrors(t *testing.T) {
	h := newHarness(t, testConfig("round_robin"), "a")
	//lint:ignore SA1012 testing the nil check
	if err := h.c.Call(nil, "m", nil); !errors.Is(err, ErrNilContext) { //nolint:staticcheck
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.callers["a"].set(func(context.Context, string, any, []any) error { cancel(); return errTimeout })
	var ce *CallError
	if err := h.c.Call(ctx, "m", nil); !errors.As(err, &ce) || ce.Reason != reasonContext {
		t.Fatalf("%v", err)
	}
	if st := h.c.Stats().Endpoints[0]; st.Failures != 0 || st.State != StateHealthy {
		t.Fatalf("a cancelled call hurt the endpoint: %+v", st)
	}
	h.c.Close()
	if err := h.c.Call(context.Background(), "m", nil); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	if !h.callers["a"].closed.Load() {
		t.Fatal("Close left a Caller open")
	}
	if _, err := New(nil, func(Endpoint) (Caller, error) { return nil, nil }, &Config{}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatal(err)
	}
}

func TestVerifyConfig(t *testing.T) {
	if err := VerifyConfig(DefaultConfig()); err != nil {
		t.Fatal(err)
	}
	for _, mut := range []func(*Config){
		func(c *Config) { c.Policy = "nope" },
		func(c *Config) { c.Mode = "sometimes" },
		func(c *Config) { c.Retry.MaxAttempts = 0 },
		func(c *Config) { c.Retry.BudgetRatio = 1.5 },
		func(c *Config) { c.Health.Rise = 0 },
		func(c *Config) { c.Health.Jitter = 1 },
		func(c *Config) { c.Outlier.MaxEjectedPercent = 101 },
		func(c *Config) { c.Breaker.HalfOpenProbes = 0 },
		func(c *Config) { c.HashLoadFactor = 0.5 },
		func(c *Config) { c.Methods = map[string]MethodConfig{"x": {Mode: "bad"}} },
	} {
		c := DefaultConfig()
		mut(c)
		var ce *ConfigError
		if err := VerifyConfig(c); !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("%+v accepted: %v", c, err)
		}
	}
}

func TestLateFailuresDoNotExtendAnEjection(t *testing.T) {
	cfg := testConfig("round_robin")
	cfg.Breaker.Threshold = 6
	h := newHarness(t, cfg, "a", "b")
	a := h.member("a")
	for range 5 {
		h.c.observe(a, OutcomeTimeout, h.clk.now())
	}
	if s := h.state("a"); s != StateEjected {
		t.Fatalf("a %v", s)
	}
	for range 20 { // calls sent before the ejection time out afterwards
		h.c.observe(a, OutcomeTimeout, h.clk.now())
	}
	h.clk.advance(cfg.Outlier.BaseEjection)
	h.c.tick(h.clk.now())
	if s := h.state("a"); s != StateHealthy || a.consec.Load() != 0 {
		t.Fatalf("after the ejection: %v, %d consecutive failures remembered", s, a.consec.Load())
	}
	h.c.observe(a, OutcomeTimeout, h.clk.now()) // one failure once back
	if s := h.state("a"); s != StateHealthy {
		t.Fatalf("one failure after the ejection: a %v; the late failures counted in its failure rate", s)
	}
}

func TestConsistentHashThroughCall(t *testing.T) {
	h := newHarness(t, testConfig("consistent_hash"), "a", "b", "c", "d")
	homes := map[string]bool{}
	for u := range 20 {
		user := fmt.Sprintf("user-%d", u)
		first, _ := h.call("get", user, u)
		for i := range 5 {
			if got, _ := h.call("get", user, i); got != first {
				t.Fatalf("%s went to %s then %s", user, first, got)
			}
		}
		homes[first] = true
	}
	if len(homes) < 3 {
		t.Fatalf("20 users landed on %v only", homes)
	}
	ctx := WithHashKey(context.Background(), "tenant-9")
	var first, got string
	h.c.Call(ctx, "x", &first, 1)
	h.c.Call(ctx, "y", &got, 2)
	if first != got {
		t.Fatalf("explicit key went to %s then %s", first, got)
	}
}
