package gateway

import (
	"net"
	"sync"
	"sync/atomic"
)

// limitedListener holds off connection floods as server does: past max connections at once, or
// past perPeer from one address, a new connection is closed as soon as it is accepted.
type limitedListener struct {
	net.Listener
	max, perPeer int
	open         atomic.Int64
	refused      *atomic.Int64
	mu           sync.Mutex
	peers        map[string]int
}

func limitListener(ln net.Listener, max, perPeer int, refused *atomic.Int64) net.Listener {
	return &limitedListener{Listener: ln, max: max, perPeer: perPeer, refused: refused, peers: map[string]int{}}
}

// Accept returns the next connection within the limits.
func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		peer := peerOf(c)
		if l.open.Add(1) > int64(l.max) || !l.take(peer) {
			l.open.Add(-1)
			l.refused.Add(1)
			c.Close()
			continue
		}
		return &limitedConn{Conn: c, l: l, peer: peer}, nil
	}
}

func peerOf(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return "" // a unix socket: one peer
	}
	return host
}

func (l *limitedListener) take(peer string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.peers[peer] >= l.perPeer {
		return false
	}
	l.peers[peer]++
	return true
}

func (l *limitedListener) give(peer string) {
	l.open.Add(-1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.peers[peer]--; l.peers[peer] <= 0 {
		delete(l.peers, peer)
	}
}

// limitedConn gives its slot back once, when closed.
type limitedConn struct {
	net.Conn
	l    *limitedListener
	peer string
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.give(c.peer) })
	return err
}
