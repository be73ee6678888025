package server

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// watchdog enforces Config.WriteTimeout and Config.IdleTimeout on the plain (not TLS) connections
// of one Serve from a coarse clock, in place of the deadlines net/http would set on every request
// for them: a write deadline taken from the clock and armed as a timer at each request, and an idle
// read deadline likewise between requests. Those cost about 0.8 us of the 30 us a small call costs
// under load; here a request costs two atomic stores, through the ConnState hook.
//
// The clock is a count of ticks, a sixteenth of the shorter timeout (at most a second). A
// connection that has been on one request (from its headers to the end of its answer) longer than
// WriteTimeout, or idle between requests longer than IdleTimeout, is closed: never before its
// timeout, and at most two ticks (an eighth of it, 2 s at most) after it. Closing also cancels the context of a call still
// running, where net/http's write deadline would only fail its answer.
//
// TLS connections keep net/http's own timeouts: over HTTP/2 one connection carries many requests
// at once, and net/http bounds each of them.
type watchdog struct {
	tick        time.Duration
	write, idle int64 // the timeouts in ticks, 0 for none
	epoch       atomic.Int64
	mu          sync.Mutex
	conns       map[*watchedConn]struct{}
}

// watchedConn is a connection the watchdog watches. Its state is the epoch of its last change of
// phase, shifted left by two, or'ed with the phase.
type watchedConn struct {
	net.Conn
	state atomic.Int64
}

const (
	phaseNew int64 = iota // accepted; net/http's header timeout covers it
	phaseActive
	phaseIdle
	phaseClosed // closed by the watchdog
	phaseMask   = 3
)

// newWatchdog returns a watchdog for the timeouts, or nil when both are 0 (none).
func newWatchdog(write, idle time.Duration) *watchdog {
	if write <= 0 && idle <= 0 {
		return nil
	}
	tick := time.Second
	for _, d := range []time.Duration{write, idle} {
		if d > 0 && d/16 < tick {
			tick = max(d/16, time.Millisecond)
		}
	}
	ticks := func(d time.Duration) int64 {
		if d <= 0 {
			return 0
		}
		return int64((d + tick - 1) / tick)
	}
	return &watchdog{tick: tick, write: ticks(write), idle: ticks(idle), conns: make(map[*watchedConn]struct{})}
}

// listener wraps ln so that its connections can be watched.
func (wd *watchdog) listener(ln net.Listener) net.Listener { return watchedListener{ln} }

// connState is the http.Server's ConnState hook: it follows each connection's phase.
func (wd *watchdog) connState(nc net.Conn, st http.ConnState) {
	c, ok := nc.(*watchedConn)
	if !ok {
		return
	}
	switch st {
	case http.StateNew:
		wd.mu.Lock()
		wd.conns[c] = struct{}{}
		wd.mu.Unlock()
	case http.StateActive:
		c.state.Store(wd.epoch.Load()<<2 | phaseActive)
	case http.StateIdle:
		c.state.Store(wd.epoch.Load()<<2 | phaseIdle)
	case http.StateHijacked, http.StateClosed:
		wd.mu.Lock()
		delete(wd.conns, c)
		wd.mu.Unlock()
	}
}

// run advances the clock and closes the connections past their timeout until stop is closed.
func (wd *watchdog) run(stop <-chan struct{}) {
	t := time.NewTicker(wd.tick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			wd.sweep()
		}
	}
}

// sweep advances the clock one tick and closes the connections past their timeout. Sweep k runs
// k ticks after the start (later if the ticker lagged) and sets the epoch to k, so a phase marked
// in epoch e began at least e ticks after the start; when now-e > limit, more than now-e-1 >= limit
// ticks, the whole timeout, have passed since.
func (wd *watchdog) sweep() {
	now := wd.epoch.Add(1)
	var expired []*watchedConn
	wd.mu.Lock()
	for c := range wd.conns {
		s := c.state.Load()
		var limit int64
		switch s & phaseMask {
		case phaseActive:
			limit = wd.write
		case phaseIdle:
			limit = wd.idle
		}
		if limit > 0 && now-s>>2 > limit && c.state.CompareAndSwap(s, now<<2|phaseClosed) {
			expired = append(expired, c)
		}
	}
	wd.mu.Unlock()
	for _, c := range expired {
		_ = c.Conn.Close() // net/http sees its reads and writes fail, and ends the connection
	}
}

// watchedListener returns its connections as *watchedConn.
type watchedListener struct{ net.Listener }

func (l watchedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &watchedConn{Conn: c}, nil
}

// CloseWrite half-closes the connection when it can, as net/http does before closing a
// connection whose request it refused unread.
func (c *watchedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
