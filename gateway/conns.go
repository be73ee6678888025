package gateway

import (
	"net"
	"sync"
	"sync/atomic"

	"github.com/harp-rpc/harp/internal/budget"
)

// limitedListener holds off connection floods as server does: past max connections at once on
// the listener, or past its peer's share in the gateway's table of peers (over every listener),
// a new connection is closed as soon as it is accepted. Each connection carries its peer, whose
// bodies and bytes of the memory budget count against its share too.
type limitedListener struct {
	net.Listener
	max     int
	open    atomic.Int64
	peers   *budget.Peers
	refused *atomic.Int64
}

func limitListener(ln net.Listener, max int, peers *budget.Peers, refused *atomic.Int64) net.Listener {
	return &limitedListener{Listener: ln, max: max, peers: peers, refused: refused}
}

// Accept returns the next connection within the limits.
func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) > int64(l.max) {
			l.refuse(c)
			continue
		}
		p := l.peers.Open(c.RemoteAddr())
		if p == nil {
			l.refuse(c)
			continue
		}
		return &limitedConn{Conn: c, l: l, peer: p}, nil
	}
}

func (l *limitedListener) refuse(c net.Conn) {
	l.open.Add(-1)
	l.refused.Add(1)
	c.Close()
}

// limitedConn gives its slots back once, when closed.
type limitedConn struct {
	net.Conn
	l    *limitedListener
	peer *budget.Peer
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.open.Add(-1)
		c.l.peers.Close(c.peer)
	})
	return err
}
