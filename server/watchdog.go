package server

import (
	"context"
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
//
// The watchdog also ends a connection whose answer makes no progress for the stall timeout
// (Config.WriteStallTimeout): a client that does not read its answer would otherwise pin it for
// the whole write timeout. Writes go out in pieces of at most stallChunk bytes, and a connection
// still in one piece after the stall timeout is closed, TLS connections included (their
// records are written to the connection beneath).
type watchdog struct {
	tick               time.Duration
	write, idle, stall int64 // the timeouts in ticks, 0 for none
	epoch              atomic.Int64
	stalls             atomic.Int64 // connections closed for a stalled write
	mu                 sync.Mutex
	conns              map[*watchedConn]struct{}
}

// stallChunk is the most a watched connection writes in one piece: a write makes progress
// whenever a piece is taken, so a reader must take at least stallChunk bytes per stall timeout
// (6.4 KiB/s at the default 5 s) to keep its connection.
const stallChunk = 32 << 10

// watchedConn is a connection accepted by Serve. Its state is the epoch of its last change of
// phase, shifted left by two, or'ed with the phase; writing is 1 + the epoch at which the piece
// being written started, 0 when none is. It counts in its peer's connections until closed.
type watchedConn struct {
	net.Conn
	state   atomic.Int64
	writing atomic.Int64
	closed  atomic.Bool
	wd      *watchdog // nil: not watched
	peers   *peers
	peer    *peer // nil: not counted
	hc      halfClose
	fb      firstByte
	bg      bodyGrace
	pending []byte // read by fastConns before the connection went to net/http; read first
	// expire cancels the calls of a connection fastConns serves when the watchdog closes it, as
	// net/http's reading on after the request does for its own; nil for net/http's.
	expire atomic.Pointer[context.CancelFunc]
}

const (
	phaseNew int64 = iota // accepted; net/http's header timeout covers it
	phaseActive
	phaseIdle
	phaseClosed // closed by the watchdog
	phaseMask   = 3
)

// newWatchdog returns a watchdog for the timeouts, or nil when all are 0 (none). The stall
// timeout is measured in quarters of itself at least, the others in sixteenths.
func newWatchdog(write, idle, stall time.Duration) *watchdog {
	if write <= 0 && idle <= 0 && stall <= 0 {
		return nil
	}
	tick := time.Second
	for _, d := range []time.Duration{write, idle, stall * 4} {
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
	return &watchdog{tick: tick, write: ticks(write), idle: ticks(idle), stall: ticks(stall),
		conns: make(map[*watchedConn]struct{})}
}

// watch adds c to the connections the watchdog watches.
func (wd *watchdog) watch(c *watchedConn) {
	wd.mu.Lock()
	wd.conns[c] = struct{}{}
	wd.mu.Unlock()
}

// forget removes c from the connections the watchdog watches.
func (wd *watchdog) forget(c *watchedConn) {
	wd.mu.Lock()
	delete(wd.conns, c)
	wd.mu.Unlock()
}

// connState is the http.Server's ConnState hook: it follows each connection's phase.
func (wd *watchdog) connState(nc net.Conn, st http.ConnState) {
	c, ok := nc.(*watchedConn)
	if !ok {
		return
	}
	switch st {
	case http.StateNew:
		wd.watch(c)
	case http.StateActive:
		c.state.Store(wd.epoch.Load()<<2 | phaseActive)
		c.bg.arm(&c.hc)
	case http.StateIdle:
		c.state.Store(wd.epoch.Load()<<2 | phaseIdle)
	case http.StateHijacked, http.StateClosed:
		wd.forget(c)
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
		w := c.writing.Load()
		stalled := wd.stall > 0 && w != 0 && now-(w-1) > wd.stall
		if (stalled || limit > 0 && now-s>>2 > limit) && s&phaseMask != phaseClosed &&
			c.state.CompareAndSwap(s, now<<2|phaseClosed) {
			expired = append(expired, c)
			if stalled {
				wd.stalls.Add(1)
			}
		}
	}
	wd.mu.Unlock()
	for _, c := range expired {
		if tc, ok := c.Conn.(*net.TCPConn); ok && c.writing.Load() != 0 {
			_ = tc.SetLinger(0) // a stalled answer's unsent bytes are dropped, not kept for the peer
		}
		_ = c.Conn.Close() // net/http sees its reads and writes fail, and ends the connection
		if cancel := c.expire.Load(); cancel != nil {
			(*cancel)()
		}
	}
}

// watchedListener returns its connections as *watchedConn, counted in their peers'. A connection
// over the server's MaxConns or its peer's share of them is closed at once.
type watchedListener struct {
	net.Listener
	wd        *watchdog // nil: none
	peers     *peers
	refused   *atomic.Int64
	firstByte time.Duration // how long a new connection may wait for its first byte (see firstByte)
	bodyGrace time.Duration // how long a late body may still come (see bodyGrace)
}

// Accept returns the next connection within the limits.
func (l watchedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		p := l.peers.Open(c.RemoteAddr())
		if p == nil {
			l.refused.Add(1)
			_ = c.Close()
			continue
		}
		wc := &watchedConn{Conn: c, wd: l.wd, peers: l.peers, peer: p}
		wc.fb.start(l.firstByte)
		wc.bg.wait = l.bodyGrace
		if l.wd != nil {
			l.wd.watch(wc) // before any request: TLS connections never reach connState
		}
		return wc, nil
	}
}

// Write writes p, in pieces of stallChunk when the watchdog watches for stalled writes.
func (c *watchedConn) Write(p []byte) (int, error) {
	wd := c.wd
	if wd == nil || wd.stall == 0 {
		return c.Conn.Write(p)
	}
	n := 0
	for {
		piece := p[n:]
		if len(piece) > stallChunk {
			piece = piece[:stallChunk]
		}
		c.writing.Store(wd.epoch.Load() + 1)
		m, err := c.Conn.Write(piece)
		n += m
		if err != nil || n >= len(p) {
			c.writing.Store(0)
			return n, err
		}
	}
}

// Close closes the connection, and the first time counts it closed in its peer's.
func (c *watchedConn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		if c.peer != nil {
			c.peers.Close(c.peer)
		}
		if c.wd != nil {
			c.wd.forget(c)
		}
		c.hc.wakeUp()
	}
	return c.Conn.Close()
}

// CloseWrite half-closes the connection when it can, as net/http does before closing a
// connection whose request it refused unread.
func (c *watchedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
