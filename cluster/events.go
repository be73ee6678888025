package cluster

import "time"

// Event records one endpoint's change of state.
type Event struct {
	Time   time.Time // when the cluster saw the change
	URL    string    // the endpoint
	From   State     // the state before
	To     State     // the state after
	Reason string    // why, e.g. "5 consecutive failures, ejected for 1s"
}

// String formats the event for logs: time, URL, transition and reason.
func (e Event) String() string {
	s := e.Time.Format("15:04:05.000") + " " + e.URL + " " + e.From.String() + " -> " + e.To.String()
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s
}

type subscriber struct{ ch chan Event }

// Subscribe returns a channel receiving every state change from now on, and a function that
// ends the subscription (and closes the channel). The channel holds Config.EventBuffer events;
// events that find it full are dropped and counted in Stats.DroppedEvents, so a slow reader never
// slows calls down. Close closes every subscription's channel.
func (c *Cluster) Subscribe() (<-chan Event, func()) {
	s := &subscriber{ch: make(chan Event, c.cfg.EventBuffer)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		close(s.ch)
		return s.ch, func() {}
	}
	c.subs[s] = struct{}{}
	return s.ch, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ok := c.subs[s]; ok {
			delete(c.subs, s)
			close(s.ch)
		}
	}
}

func (c *Cluster) emitLocked(e Event) {
	for s := range c.subs {
		select {
		case s.ch <- e:
		default:
			c.dropped.Add(1)
		}
	}
}

// EndpointStats describes one endpoint at one moment.
type EndpointStats struct {
	Endpoint Endpoint
	State    State
	Since    time.Time // when it entered State
	// Weight is the effective weight, in hundredths of a weight unit (lower during slow start),
	// 0 when the endpoint takes no calls.
	Weight   int
	Calls    int64 // attempts sent to it
	Failures int64 // attempts that failed (transport, timeout, 5xx)
	Faults   int64 // attempts answered with a fault (healthy answers)
	// ByOutcome counts the attempts it was sent by how each ended, indexed by Outcome
	// (Calls less those in flight, split: success, cancelled, fault, not sent, ...).
	ByOutcome   [NumOutcomes]int64
	InFlight    int64
	LatencyEWMA time.Duration
	P50         time.Duration // latency quantiles since it joined, at most 25% high
	P90         time.Duration
	P99         time.Duration
	Ejections   int64 // outlier ejections since it joined
	// Availability is the share of time spent healthy or slow-starting since it joined.
	Availability float64
	// MTBF is the mean time up between failures (0 before the first), MTTR the mean time to
	// recover (0 before the first recovery), both from the state changes.
	MTBF, MTTR time.Duration
}

// Stats is a snapshot of a cluster's figures.
type Stats struct {
	Endpoints     []EndpointStats // in configuration order
	Calls         int64           // calls made (not attempts)
	Retries       int64           // attempts beyond each call's first (failover and hedging)
	BudgetRefused int64           // retries the retry budget refused
	DroppedEvents int64           // events dropped for full subscriber channels
	ResolveError  error           // the last resolver error, nil after a success
	LastResolve   time.Time
	RoutableCount int // endpoints currently chosen from
}

// Stats returns the cluster's current figures.
func (c *Cluster) Stats() Stats {
	now := c.now()
	s := c.snap.Load()
	weights := make(map[*EndpointState]int, len(s.info.Endpoints))
	for i, m := range s.info.Endpoints {
		weights[m] = s.info.Weights[i]
	}
	st := Stats{
		Calls:         c.calls.Load(),
		Retries:       c.retries.Load(),
		BudgetRefused: c.budgetDenied.Load(),
		DroppedEvents: c.dropped.Load(),
		RoutableCount: len(s.info.Endpoints),
	}
	c.mu.Lock()
	st.ResolveError, st.LastResolve = c.resolveErr, c.lastResolve
	c.mu.Unlock()
	for _, m := range s.all {
		q := m.hist.quantiles(0.5, 0.9, 0.99)
		m.mu.Lock()
		avail, mtbf, mttr := m.h.availability(now)
		es := EndpointStats{
			Endpoint: m.Endpoint(), State: m.h.state, Since: m.h.since, Weight: weights[m],
			Calls: m.calls.Load(), Failures: m.failures.Load(), Faults: m.faults.Load(),
			InFlight: m.inflight.Load(), LatencyEWMA: m.LatencyEWMA(),
			P50: q[0], P90: q[1], P99: q[2], Ejections: m.h.ejectTotal,
			Availability: avail, MTBF: mtbf, MTTR: mttr,
		}
		for i := range es.ByOutcome {
			es.ByOutcome[i] = m.outcomes[i].Load()
		}
		m.mu.Unlock()
		st.Endpoints = append(st.Endpoints, es)
	}
	return st
}
