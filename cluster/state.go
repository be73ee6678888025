package cluster

import (
	"math"
	"strconv"
	"time"
)

// State is an endpoint's condition as the cluster sees it.
type State uint8

// Endpoint states. Only StateHealthy, StateSlowStart and StateHalfOpen endpoints take calls
// (a half-open one only a few probes), unless no endpoint at all is in those states.
const (
	// StateHealthy takes its full share of calls.
	StateHealthy State = iota
	// StateSlowStart takes a share that ramps up to its full weight over Config.SlowStart.
	StateSlowStart
	// StateHalfOpen has a breaker letting a few probe calls through.
	StateHalfOpen
	// StateCircuitOpen has an open breaker: too many consecutive failures.
	StateCircuitOpen
	// StateEjected was ejected by outlier detection for a while.
	StateEjected
	// StateDown failed its active health checks Fall times in a row.
	StateDown
	// StateRemoved left the cluster (the resolver no longer lists it).
	StateRemoved
)

var stateNames = [...]string{"healthy", "slow-start", "half-open", "circuit-open", "ejected", "down", "removed"}

// String returns the state's name, e.g. "slow-start".
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// Up reports whether the state counts as available in the availability, MTBF and MTTR figures:
// healthy or slow-starting.
func (s State) Up() bool { return s == StateHealthy || s == StateSlowStart }

// routable reports whether pickers may choose an endpoint in the state.
func (s State) routable() bool { return s <= StateHalfOpen }

type breakerState uint8

const (
	breakerClosed breakerState = iota
	breakerOpen
	breakerHalfOpen
)

// healthState is an endpoint's health bookkeeping; it is guarded by EndpointState.mu and every
// method takes the current time, so tests drive it with a fake clock.
type healthState struct {
	check checkCounter

	ejectedUntil time.Time
	ejections    int       // ejection multiplier, decays while healthy
	lastReturn   time.Time // end of the last ejection
	ejectTotal   int64

	breaker   breakerState
	openUntil time.Time

	slowSince time.Time // start of the current slow start; zero when none

	removed bool

	// observed state and its accounting
	state      State
	since      time.Time
	added      time.Time
	upTotal    time.Duration
	downTotal  time.Duration
	failures   int64 // up -> not up transitions
	repairs    int64 // not up -> up transitions
	lastChange string
}

// checkCounter is HAProxy's rise/fall counter for active checks.
type checkCounter struct {
	down bool // starts up
	n    int  // consecutive results contradicting the current state
}

// observe records one check result and reports whether the up/down state flipped.
func (c *checkCounter) observe(ok bool, rise, fall int) bool {
	if ok != c.down { // result agrees with the state
		c.n = 0
		return false
	}
	c.n++
	if (!c.down && c.n >= fall) || (c.down && c.n >= rise) {
		c.down = !c.down
		c.n = 0
		return true
	}
	return false
}

// interval returns the time to wait before the next check: FastInterval while the state is
// changing, DownInterval while down, Interval otherwise.
func (c *checkCounter) interval(h *HealthConfig) time.Duration {
	switch {
	case c.n > 0:
		return h.FastInterval
	case c.down:
		return h.DownInterval
	}
	return h.Interval
}

// compute returns the state the bookkeeping implies at now.
func (h *healthState) compute(now time.Time, slowStart time.Duration) State {
	switch {
	case h.removed:
		return StateRemoved
	case h.check.down:
		return StateDown
	case now.Before(h.ejectedUntil):
		return StateEjected
	case h.breaker == breakerOpen:
		return StateCircuitOpen
	case h.breaker == breakerHalfOpen:
		return StateHalfOpen
	case !h.slowSince.IsZero() && now.Sub(h.slowSince) < slowStart:
		return StateSlowStart
	}
	return StateHealthy
}

// transition moves the accounting to state s at now and reports whether it changed.
func (h *healthState) transition(s State, now time.Time) (from State, changed bool) {
	from = h.state
	if s == from {
		return from, false
	}
	d := now.Sub(h.since)
	if from.Up() {
		h.upTotal += d
	} else {
		h.downTotal += d
	}
	if from.Up() && !s.Up() {
		h.failures++
	} else if !from.Up() && s.Up() {
		h.repairs++
	}
	h.state, h.since = s, now
	return from, true
}

// startSlow starts a slow start at now when the endpoint comes back from a state that took it
// out of rotation.
func (h *healthState) startSlow(now time.Time) { h.slowSince = now }

// rampFactor returns the share of its weight (0..1] an endpoint gets at now.
func (h *healthState) rampFactor(now time.Time, slowStart time.Duration) float64 {
	if h.slowSince.IsZero() || slowStart <= 0 {
		return 1
	}
	el := now.Sub(h.slowSince)
	if el >= slowStart {
		return 1
	}
	// in twentieths, so a slow start rebuilds the picker at most twenty times
	return math.Max(1, math.Floor(20*float64(el)/float64(slowStart))) / 20
}

// ejectionLength returns how long the next ejection at now lasts, after letting the multiplier
// decay by one for each BaseEjection spent healthy since the last ejection ended.
func (h *healthState) ejectionLength(now time.Time, o *OutlierConfig) time.Duration {
	if h.ejections > 0 && !h.lastReturn.IsZero() {
		healthy := now.Sub(h.lastReturn)
		h.ejections -= int(healthy / o.BaseEjection)
		if h.ejections < 0 {
			h.ejections = 0
		}
	}
	h.ejections++
	d := time.Duration(h.ejections) * o.BaseEjection
	if d > o.MaxEjection || d <= 0 {
		d = o.MaxEjection
	}
	return d
}

// availability returns the share of time up, MTBF and MTTR up to now.
func (h *healthState) availability(now time.Time) (avail float64, mtbf, mttr time.Duration) {
	up, down := h.upTotal, h.downTotal
	if h.state.Up() {
		up += now.Sub(h.since)
	} else {
		down += now.Sub(h.since)
	}
	if up+down > 0 {
		avail = float64(up) / float64(up+down)
	} else {
		avail = 1
	}
	if h.failures > 0 {
		mtbf = up / time.Duration(h.failures)
	}
	if h.repairs > 0 {
		mttr = h.downTotal / time.Duration(h.repairs)
	}
	return avail, mtbf, mttr
}
