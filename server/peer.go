package server

import (
	"math"
	"net"
	"sync"
	"sync/atomic"
)

// peer is one remote IP address with connections open to a Serve: what it holds of the server's
// connections, bodies being read and budget, so that no peer holds more than its share
// (Config.PeerShare). A peer lives while it has connections.
type peer struct {
	addr   string
	conns  int // guarded by peers.mu
	bodies atomic.Int64
	used   atomic.Int64 // bytes of the budget
}

// peers is the table of the peers connected to one Server, with the limits derived from the
// Config: the connections in all and per peer, and the bodies being read per peer.
type peers struct {
	maxConns, peerConns int // 0: none
	peerBodies          int64
	mu                  sync.Mutex
	conns               int
	m                   map[string]*peer
}

func newPeers(c *Config) *peers {
	ps := &peers{maxConns: c.MaxConns, m: make(map[string]*peer)}
	if c.PeerShare > 0 && c.PeerShare < 1 {
		share := func(n int) int { return max(1, int(math.Ceil(c.PeerShare*float64(n)))) }
		if c.MaxConns > 0 {
			ps.peerConns = share(c.MaxConns)
		}
		ps.peerBodies = int64(share(c.MaxBodies))
	}
	return ps
}

// hostOf returns the IP address of a remote address, or the address itself when it has none.
func hostOf(a net.Addr) string {
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

// open counts a new connection from addr and returns its peer, or nil when the connection is
// over the server's limit, or over its peer's share while the server holds half its limit or
// more: a peer's share matters when connections grow scarce, and a load generator on one host
// may open more than a share of an idle server's.
func (ps *peers) open(addr net.Addr) *peer {
	key := hostOf(addr)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.maxConns > 0 && ps.conns >= ps.maxConns {
		return nil
	}
	p := ps.m[key]
	if p == nil {
		p = &peer{addr: key}
		ps.m[key] = p
	}
	if ps.peerConns > 0 && p.conns >= ps.peerConns && ps.conns >= ps.maxConns/2 {
		return nil // p has connections, so it stays in the table
	}
	p.conns++
	ps.conns++
	return p
}

// close counts a connection of p closed; the peer is forgotten with its last connection.
func (ps *peers) close(p *peer) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p.conns--
	ps.conns--
	if p.conns == 0 {
		delete(ps.m, p.addr)
	}
}

// startBody counts a body that p (nil: no peer) begins to read, and reports whether it may:
// within the server's MaxBodies, and p's share of them.
func (s *Server) startBody(p *peer) bool {
	if s.bodies.Add(1) > int64(s.cfg.MaxBodies) {
		s.bodies.Add(-1)
		return false
	}
	if p != nil && s.peers.peerBodies > 0 && p.bodies.Add(1) > s.peers.peerBodies {
		p.bodies.Add(-1)
		s.bodies.Add(-1)
		return false
	}
	return true
}

// endBody counts a body started with startBody read (or refused).
func (s *Server) endBody(p *peer) {
	if p != nil && s.peers.peerBodies > 0 {
		p.bodies.Add(-1)
	}
	s.bodies.Add(-1)
}
