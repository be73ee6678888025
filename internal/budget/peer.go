package budget

import (
	"math"
	"net"
	"sync"
	"sync/atomic"
)

// Peer is one remote IP address with connections open: what it holds of the connections, the
// bodies being read and the budget, so that no peer holds more than its share. A Peer lives in
// its Peers table while it has connections.
type Peer struct {
	addr   string
	conns  int // guarded by Peers.mu
	bodies atomic.Int64
	used   atomic.Int64 // bytes of the budget
}

// Used returns the bytes of the budget the peer holds now.
func (p *Peer) Used() int64 { return p.used.Load() }

// PeerLimits are the limits of a Peers table; a zero field is no limit.
type PeerLimits struct {
	// MaxConns caps the connections in the table at once.
	MaxConns int
	// PeerConns caps one peer's connections. When MaxConns is set, it applies only once the table
	// holds half of MaxConns: a peer's share matters when connections grow scarce, and a load
	// generator on one host may open more than a share of an idle server's.
	PeerConns int
	// MaxBodies caps the bodies being read at once (StartBody), PeerBodies one peer's.
	MaxBodies, PeerBodies int64
}

// Share returns the limits of a table of at most maxConns connections (0: no cap) and maxBodies
// bodies, of which one peer may hold share (0 or 1: no per-peer limit), at least one of each.
func Share(maxConns, maxBodies int, share float64) PeerLimits {
	l := PeerLimits{MaxConns: maxConns, MaxBodies: int64(maxBodies)}
	if share > 0 && share < 1 {
		of := func(n int) int { return max(1, int(math.Ceil(share*float64(n)))) }
		if maxConns > 0 {
			l.PeerConns = of(maxConns)
		}
		l.PeerBodies = int64(of(maxBodies))
	}
	return l
}

// Peers is the table of the peers connected to one server or gateway. Its methods are safe for
// concurrent use.
type Peers struct {
	lim    PeerLimits
	bodies atomic.Int64
	mu     sync.Mutex
	conns  int
	m      map[string]*Peer
}

// NewPeers returns an empty table with the limits lim.
func NewPeers(lim PeerLimits) *Peers {
	return &Peers{lim: lim, m: make(map[string]*Peer)}
}

// HostOf returns the IP address of a remote address or the address itself when it has none (a unix
// socket's path: all its connections are one peer).
func HostOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return string(ta.IP.To16())
	}
	if a == nil {
		return ""
	}
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}

// Open counts a new connection from addr and returns its peer, or nil when the connection is
// over the table's MaxConns or its peer's PeerConns.
func (ps *Peers) Open(addr net.Addr) *Peer {
	key := HostOf(addr)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.lim.MaxConns > 0 && ps.conns >= ps.lim.MaxConns {
		return nil
	}
	p := ps.m[key]
	if p == nil {
		p = &Peer{addr: key}
		ps.m[key] = p
	}
	if ps.lim.PeerConns > 0 && p.conns >= ps.lim.PeerConns && ps.conns >= ps.lim.MaxConns/2 {
		return nil // p has connections, so it stays in the table
	}
	p.conns++
	ps.conns++
	return p
}

// Close counts a connection of p closed; the peer is forgotten with its last connection.
func (ps *Peers) Close(p *Peer) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p.conns--
	ps.conns--
	if p.conns == 0 {
		delete(ps.m, p.addr)
	}
}

// Conns returns the connections open in the table.
func (ps *Peers) Conns() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.conns
}

// StartBody counts a body that p (nil: no peer) begins to read, and reports whether it may:
// within MaxBodies and p's PeerBodies. A body counted must be ended with EndBody.
func (ps *Peers) StartBody(p *Peer) bool {
	if ps.lim.MaxBodies > 0 && ps.bodies.Add(1) > ps.lim.MaxBodies {
		ps.bodies.Add(-1)
		return false
	}
	if p != nil && ps.lim.PeerBodies > 0 && p.bodies.Add(1) > ps.lim.PeerBodies {
		p.bodies.Add(-1)
		if ps.lim.MaxBodies > 0 {
			ps.bodies.Add(-1)
		}
		return false
	}
	return true
}

// EndBody counts a body started with StartBody read (or refused).
func (ps *Peers) EndBody(p *Peer) {
	if p != nil && ps.lim.PeerBodies > 0 {
		p.bodies.Add(-1)
	}
	if ps.lim.MaxBodies > 0 {
		ps.bodies.Add(-1)
	}
}

// Bodies returns the bodies being read now (counted only when MaxBodies is set).
func (ps *Peers) Bodies() int64 { return ps.bodies.Load() }
