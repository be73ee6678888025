package gateway

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/harp-rpc/harp/internal/budget"
)

// The gateway holds memory by server's rules (internal/budget): each request reserves its body
// as it arrives, twice the body for the values a split or a bridge decodes, and its answer while
// it is written; a reservation that does not fit is refused at once, and one address holds at
// most Limits.PeerShare of the budget and of the bodies being read.

// connKey is the context key of a request's *limitedConn.
type connKey struct{}

// connContext puts the limitedConn of a connection (under its TLS, if any) into its requests'
// contexts: its peer is charged for them, and a stalled answer drops it.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if lc, ok := c.(*limitedConn); ok {
		return context.WithValue(ctx, connKey{}, lc)
	}
	return ctx
}

// reservation returns an empty reservation of the gateway's budget for r, charged to r's peer
// when r came through Serve's listeners.
func (g *Gateway) reservation(r *http.Request) budget.Reservation {
	res := budget.Reservation{Budget: g.mem}
	if lc, ok := r.Context().Value(connKey{}).(*limitedConn); ok {
		res.Peer = lc.peer
	}
	return res
}

// dropUnsent sets whether closing r's connection drops what the kernel still holds of it (a
// reset) instead of keeping it for a client that does not read. net/http closes a connection as
// soon as a write fails, so this is set before the writes of a large answer and unset after.
func dropUnsent(r *http.Request, drop bool) {
	if lc, ok := r.Context().Value(connKey{}).(*limitedConn); ok {
		if tc, ok := lc.Conn.(*net.TCPConn); ok {
			sec := -1
			if drop {
				sec = 0
			}
			_ = tc.SetLinger(sec)
		}
	}
}

// peerLimits returns the limits of the gateway's table of peers: no cap of its own (each
// listener has max_conns), max_conns_per_peer per address at once, and max_bodies bodies of
// which an address holds peer_share.
func peerLimits(l *Limits) budget.PeerLimits {
	pl := budget.Share(0, l.MaxBodies, l.PeerShare)
	pl.PeerConns = l.MaxConnsPerPeer
	return pl
}

// fixedLimits are the limits read when the gateway starts, which a reload may not change.
type fixedLimits struct {
	maxConns, perPeer, maxBodies int
	memory                       int64
	share                        float64
}

func startLimits(l *Limits) fixedLimits {
	return fixedLimits{l.MaxConns, l.MaxConnsPerPeer, l.MaxBodies, l.MemoryBudget, l.PeerShare}
}

// MemoryUsed returns the bytes of Limits.MemoryBudget reserved now.
func (g *Gateway) MemoryUsed() int64 { return g.mem.Used() }

// reclaim gives memory back to the operating system after a burst, until stop is closed (see
// budget.Budget.Reclaim).
func (g *Gateway) reclaim(stop <-chan struct{}) {
	g.mem.Reclaim(stop, time.Second, func() {
		g.log.Debug("gateway: memory given back to the OS after a burst", "reserved", g.mem.Used())
	})
}

// answerRefused is the answer to a call whose answer of n bytes the budget cannot hold now: the
// call ran, so it is not a 503 (which tells clients it did not), but a fault.
func answerRefused(n int) gatewayError {
	return gatewayError{status: http.StatusOK, code: CodeOverload,
		msg: "gateway: busy: the answer of " + strconv.Itoa(n) + " bytes does not fit in the memory budget now; the call ran"}
}
