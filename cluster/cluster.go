package cluster

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// tickInterval is how often the cluster's maintenance goroutine ends ejections, turns open
// breakers half-open and advances slow starts.
const tickInterval = 50 * time.Millisecond

// cacheLine pads fields that every call writes away from fields that every call only reads.
const cacheLine = 64

// Cluster calls methods on a set of endpoints, choosing one per attempt with its policy and
// keeping each endpoint's health. It has the Call, CallNamed, Batch, MultiCall and RoundTrip
// methods of a one-endpoint client, so code written against a Caller (or an rpc.Transport) takes
// a Cluster unchanged. It is safe for concurrent use; calls read an
// immutable snapshot of the routable endpoints and take no cluster-wide lock.
type Cluster struct {
	cfg      Config
	factory  Factory
	resolver Resolver
	policy   Policy
	keyed    bool // the policy routes by PickInfo.Key
	rnd      Rand
	now      func() time.Time
	// realClock: now is time.Now, so its readings serve the shared deadlines' monotonic clock
	realClock bool
	// background is false in tests that drive time themselves
	background bool
	// deadlines bound attempts whose caller's context cannot be cancelled, by timeout; read-only
	deadlines map[time.Duration]*sharedDeadline
	methods   *methodTable // Config.Methods, names and patterns

	snap   atomic.Pointer[snapshot]
	closed atomic.Bool

	// Written by every call: on cache lines of their own, so that every call's reads of snap and
	// closed do not miss the cache.
	_      [cacheLine]byte
	budget budget
	calls  atomic.Int64
	_      [cacheLine]byte

	retries      atomic.Int64
	budgetDenied atomic.Int64

	mu          sync.Mutex // guards membership, health transitions and subscribers
	members     []*EndpointState
	byURL       map[string]*EndpointState
	subs        map[*subscriber]struct{}
	dropped     atomic.Int64
	resolveErr  error
	lastResolve time.Time
	lastTick    time.Time // guarded by mu

	ctx        context.Context
	cancel     context.CancelFunc
	wg         sync.WaitGroup
	resolveNow chan struct{}
}

// snapshot is what a call reads: immutable once published.
type snapshot struct {
	all    []*EndpointState // every member, in configuration order
	info   BuildInfo
	picker Picker
}

// New returns a cluster of the given endpoints, making each endpoint's Caller with factory.
// cfg nil means DefaultConfig(). The cluster's health checks run until Close.
func New(endpoints []Endpoint, factory Factory, cfg *Config) (*Cluster, error) {
	return NewWithResolver(context.Background(), Static(endpoints), factory, cfg)
}

// NewWithResolver returns a cluster whose endpoints come from r: asked once now (bounded by
// ctx), then every Config.ResolveInterval and, rate-limited, when an endpoint fails. Membership
// changes apply without disturbing calls in flight: a removed endpoint's Caller is closed once its
// last call ends.
func NewWithResolver(ctx context.Context, r Resolver, factory Factory, cfg *Config) (*Cluster, error) {
	return newCluster(ctx, r, factory, cfg, internals{now: time.Now, realClock: true, rnd: defaultRand{}, background: true})
}

// internals are the parts tests replace: the clock, the random source, and whether background
// goroutines (maintenance, health checks, resolving) run; without them tests drive tick,
// healthResult and resolveOnce themselves.
type internals struct {
	now        func() time.Time
	realClock  bool // now is time.Now: its readings have the monotonic clock
	rnd        Rand
	background bool
}

func newCluster(ctx context.Context, r Resolver, factory Factory, cfg *Config, in internals) (*Cluster, error) {
	if factory == nil {
		return nil, ErrNilFactory
	}
	if cfg == nil {
		cfg = DefaultConfig()
	}
	if err := VerifyConfig(cfg); err != nil {
		return nil, err
	}
	p, _ := lookupPolicy(cfg.Policy)
	c := &Cluster{
		cfg:        *cfg,
		factory:    factory,
		resolver:   r,
		policy:     p,
		keyed:      isKeyed(p),
		rnd:        in.rnd,
		now:        in.now,
		realClock:  in.realClock,
		background: in.background,
		byURL:      map[string]*EndpointState{},
		subs:       map[*subscriber]struct{}{},
		resolveNow: make(chan struct{}, 1),
	}
	if cfg.Methods != nil { // the caller may change its map later
		c.cfg.Methods = make(map[string]MethodConfig, len(cfg.Methods))
		for k, v := range cfg.Methods {
			c.cfg.Methods[k] = v
		}
	}
	c.methods = newMethodTable(c.cfg.Methods)
	c.deadlines = newDeadlines(&c.cfg)
	c.budget.init(&c.cfg.Retry)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	eps, err := r.Resolve(ctx)
	if err != nil {
		c.cancel()
		return nil, fmt.Errorf("cluster: resolving endpoints: %w", err)
	}
	c.lastResolve = c.now()
	if err := c.SetEndpoints(eps); err != nil {
		c.Close()
		return nil, err
	}
	if !c.background {
		return c, nil
	}
	c.wg.Add(1)
	go c.maintain()
	if _, static := r.(Static); !static {
		c.wg.Add(1)
		go c.resolveLoop()
	}
	return c, nil
}

// SetEndpoints replaces the cluster's endpoints. Endpoints are identified by URL: one already
// present keeps its Caller, counters and health (its weight, backup flag, zone and metadata are
// updated); a new one gets a Caller from the factory and starts in slow start; a missing one is
// removed, its calls in flight finishing normally. A factory error leaves that endpoint out and is
// returned, joined with any others.
func (c *Cluster) SetEndpoints(eps []Endpoint) error {
	if c.closed.Load() {
		return ErrClosed
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	seen := make(map[string]bool, len(eps))
	members := make([]*EndpointState, 0, len(eps))
	for _, ep := range eps {
		if ep.URL == "" || seen[ep.URL] {
			continue
		}
		seen[ep.URL] = true
		if m, ok := c.byURL[ep.URL]; ok {
			e := ep
			m.ep.Store(&e)
			members = append(members, m)
			continue
		}
		caller, err := c.factory(ep)
		if err != nil {
			errs = append(errs, fmt.Errorf("cluster: endpoint %s: %w", ep.URL, err))
			continue
		}
		m := c.newMember(ep, caller, now)
		c.byURL[ep.URL] = m
		members = append(members, m)
	}
	for _, m := range c.members {
		if !seen[m.Endpoint().URL] {
			c.retireLocked(m, now)
		}
	}
	c.members = members
	c.refreshLocked(now)
	return errors.Join(errs...)
}

func (c *Cluster) newMember(ep Endpoint, caller Caller, now time.Time) *EndpointState {
	m := &EndpointState{caller: caller}
	m.ep.Store(&ep)
	m.h.added, m.h.since, m.h.state = now, now, StateHealthy
	if len(c.members) > 0 && c.cfg.SlowStart > 0 {
		// joining a running cluster: warm up (the first endpoints start at full weight)
		m.h.startSlow(now)
	}
	if c.cfg.Health.Interval > 0 && c.background {
		ctx, cancel := context.WithCancel(c.ctx)
		m.stop = cancel
		c.wg.Add(1)
		go c.checkLoop(ctx, m)
	}
	return m
}

func (c *Cluster) retireLocked(m *EndpointState, now time.Time) {
	delete(c.byURL, m.Endpoint().URL)
	if m.stop != nil {
		m.stop()
	}
	m.mu.Lock()
	m.h.removed = true
	m.h.lastChange = "removed from the cluster"
	m.mu.Unlock()
	c.transitionLocked(m, now)
	m.retired.Store(true)
	if m.inflight.Load() == 0 {
		m.closeCaller()
	}
}

// refreshLocked recomputes every member's state at now, emitting events for changes, and
// publishes a new snapshot.
func (c *Cluster) refreshLocked(now time.Time) {
	for _, m := range c.members {
		c.transitionLocked(m, now)
	}
	var prim, back []*EndpointState
	for _, m := range c.members {
		m.mu.Lock()
		ok := m.h.state.routable()
		m.mu.Unlock()
		if !ok {
			continue
		}
		if m.Endpoint().Backup {
			back = append(back, m)
		} else {
			prim = append(prim, m)
		}
	}
	active := prim
	if len(active) == 0 {
		active = back
	}
	if len(active) == 0 {
		active = append([]*EndpointState(nil), c.members...) // last resort: try them all
	}
	weights := make([]int, len(active))
	for i, m := range active {
		m.mu.Lock()
		f := m.h.rampFactor(now, c.cfg.SlowStart)
		m.mu.Unlock()
		weights[i] = max(1, int(math.Round(float64(m.Endpoint().weight())*100*f)))
	}
	all := append([]*EndpointState(nil), c.members...)
	if old := c.snap.Load(); old != nil && slices.Equal(old.info.Endpoints, active) && slices.Equal(old.info.Weights, weights) {
		if !slices.Equal(old.all, all) {
			c.snap.Store(&snapshot{all: all, info: old.info, picker: old.picker})
		}
		return // same routing: keep the picker (and its round-robin position)
	}
	info := BuildInfo{Endpoints: active, Weights: weights, Rand: c.rnd, HashLoadFactor: c.cfg.HashLoadFactor}
	c.snap.Store(&snapshot{all: all, info: info, picker: c.policy.Build(info)})
}

// transitionLocked moves m to the state its bookkeeping implies at now, emitting an event.
func (c *Cluster) transitionLocked(m *EndpointState, now time.Time) {
	m.mu.Lock()
	st := m.h.compute(now, c.cfg.SlowStart)
	from, changed := m.h.transition(st, now)
	reason := m.h.lastChange
	if changed {
		m.h.lastChange = ""
	}
	m.mu.Unlock()
	if changed {
		m.halfOpen.Store(st == StateHalfOpen)
		if !from.routable() && st.routable() {
			// Latencies from before it left rotation (timeouts, mostly) say nothing of it now;
			// kept, they would keep latency-aware policies (p2c_ewma) from ever choosing it again.
			m.ewma.Store(0)
		}
		c.emitLocked(Event{Time: now, URL: m.Endpoint().URL, From: from, To: st, Reason: reason})
		if !st.routable() {
			c.requestResolve()
		}
	}
}

// maintain ends ejections, opens half-open breakers and advances slow starts.
func (c *Cluster) maintain() {
	defer c.wg.Done()
	t := time.NewTicker(tickInterval)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			c.tick(c.now())
		}
	}
}

// tick applies the passage of time up to now.
func (c *Cluster) tick(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var elapsed time.Duration
	if !c.lastTick.IsZero() {
		elapsed = now.Sub(c.lastTick)
	}
	c.lastTick = now
	dirty := false
	for _, m := range c.members {
		m.decayIdleLatency(elapsed)
		m.mu.Lock()
		h := &m.h
		if !h.ejectedUntil.IsZero() && !now.Before(h.ejectedUntil) && h.check.n > 0 && !h.check.down {
			// Its active checks are failing: wait for their verdict (a pass, or Fall failures and
			// down) rather than put back in rotation a server they are about to take out, such as
			// one that hangs, whose calls would each wait for the attempt timeout.
			h.ejectedUntil = now.Add(tickInterval)
		} else if !h.ejectedUntil.IsZero() && !now.Before(h.ejectedUntil) {
			h.ejectedUntil, h.lastReturn = time.Time{}, now
			h.startSlow(now)
			m.consec.Store(0)
			h.lastChange = "ejection ended"
		}
		if h.breaker == breakerOpen && !now.Before(h.openUntil) {
			h.breaker = breakerHalfOpen
			m.probes.Store(0)
			m.consec.Store(0)
			h.lastChange = "breaker open time over"
		}
		if !h.slowSince.IsZero() {
			dirty = true // weights ramp
			if now.Sub(h.slowSince) >= c.cfg.SlowStart {
				h.slowSince = time.Time{}
				h.lastChange = "slow start done"
			}
		}
		if h.compute(now, c.cfg.SlowStart) != h.state {
			dirty = true
		}
		m.mu.Unlock()
	}
	if dirty {
		c.refreshLocked(now)
	}
}

// observe updates m's passive health with the outcome of one of its calls.
func (c *Cluster) observe(m *EndpointState, o Outcome, now time.Time) {
	if o == OutcomeCancelled {
		return
	}
	failed := o.Failed()
	oc := &c.cfg.Outlier
	if oc.FailureRate > 0 && !failed {
		m.window.add(now, oc.Window, false)
	}
	if !failed {
		if m.consec.Load() != 0 {
			m.consec.Store(0)
		}
		if m.halfOpen.Load() {
			m.mu.Lock()
			closed := m.h.breaker == breakerHalfOpen
			if closed {
				m.h.breaker = breakerClosed
				m.h.startSlow(now)
				m.h.lastChange = "probe succeeded"
			}
			m.mu.Unlock()
			if closed {
				c.mu.Lock()
				c.refreshLocked(now)
				c.mu.Unlock()
			}
		}
		return
	}
	n := m.consec.Add(1)
	changed, eject := false, ""
	m.mu.Lock()
	h := &m.h
	if now.Before(h.ejectedUntil) || h.check.down || h.breaker == breakerOpen {
		// already out of rotation: late failures of calls sent before neither extend it nor
		// count in the failure rate it comes back with
		m.mu.Unlock()
		return
	}
	if oc.FailureRate > 0 {
		m.window.add(now, oc.Window, true)
	}
	if b := &c.cfg.Breaker; b.Threshold > 0 {
		if h.breaker == breakerHalfOpen || (h.breaker == breakerClosed && n >= int64(b.Threshold)) {
			if h.breaker == breakerHalfOpen {
				h.lastChange = "probe failed: " + o.String()
			} else {
				h.lastChange = strconv.FormatInt(n, 10) + " consecutive failures (breaker)"
			}
			h.breaker, h.openUntil = breakerOpen, now.Add(b.OpenTime)
			changed = true
		}
	}
	if !now.Before(h.ejectedUntil) {
		if oc.ConsecutiveFailures > 0 && n >= int64(oc.ConsecutiveFailures) {
			eject = strconv.FormatInt(n, 10) + " consecutive failures"
		} else if oc.FailureRate > 0 {
			total, bad := m.window.rate(now, oc.Window)
			if total >= int64(oc.MinRequests) && float64(bad) >= oc.FailureRate*float64(total) {
				eject = fmt.Sprintf("failure rate %d/%d over %v", bad, total, oc.Window)
			}
		}
	}
	m.mu.Unlock()
	if !changed && eject == "" {
		return
	}
	c.mu.Lock()
	if eject != "" {
		c.ejectLocked(m, now, eject)
	}
	c.refreshLocked(now)
	c.mu.Unlock()
}

// ejectLocked ejects m unless that would eject more than the allowed share of endpoints.
func (c *Cluster) ejectLocked(m *EndpointState, now time.Time, reason string) {
	ejected := 0
	for _, x := range c.members {
		if x == m {
			continue
		}
		x.mu.Lock()
		if now.Before(x.h.ejectedUntil) {
			ejected++
		}
		x.mu.Unlock()
	}
	if allowed := max(1, len(c.members)*c.cfg.Outlier.MaxEjectedPercent/100); ejected+1 > allowed {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.Before(m.h.ejectedUntil) || m.h.removed {
		return
	}
	d := m.h.ejectionLength(now, &c.cfg.Outlier)
	m.h.ejectedUntil = now.Add(d)
	m.h.ejectTotal++
	m.h.lastChange = reason + ", ejected for " + d.String()
	m.consec.Store(0)
	m.window.reset()
}

// healthResult records one active check of m and returns the wait before the next one.
func (c *Cluster) healthResult(m *EndpointState, ok bool, now time.Time) time.Duration {
	hc := &c.cfg.Health
	m.mu.Lock()
	flipped := m.h.check.observe(ok, hc.Rise, hc.Fall)
	if flipped {
		if m.h.check.down {
			m.h.lastChange = "failed " + strconv.Itoa(hc.Fall) + " health checks"
		} else {
			m.h.lastChange = "passed " + strconv.Itoa(hc.Rise) + " health checks"
			m.h.startSlow(now)
		}
	}
	wait := m.h.check.interval(hc)
	m.mu.Unlock()
	if flipped {
		c.mu.Lock()
		c.refreshLocked(now)
		c.mu.Unlock()
	}
	return wait
}

// Close stops health checks and resolving and closes every endpoint's Caller once its calls in
// flight have ended. Calls made after Close fail with ErrClosed.
func (c *Cluster) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	c.cancel()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for _, m := range c.members {
		c.retireLocked(m, now)
	}
	c.members = nil
	c.refreshLocked(now)
	for s := range c.subs {
		close(s.ch)
		delete(c.subs, s)
	}
	return nil
}

// Endpoints returns the cluster's endpoints, in configuration order.
func (c *Cluster) Endpoints() []Endpoint {
	s := c.snap.Load()
	out := make([]Endpoint, len(s.all))
	for i, m := range s.all {
		out[i] = m.Endpoint()
	}
	return out
}

func isKeyed(p Policy) bool {
	k, ok := p.(KeyedPolicy)
	return ok && k.UsesKey()
}
