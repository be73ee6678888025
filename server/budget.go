package server

import (
	"math"
	"sync/atomic"
)

// decodeFactor is what a request's decoded values are reckoned to cost, as a multiple of its
// body: a string or a byte array costs about its size once decoded, and the densest documents
// (an array of <value/>, or of JSON zeros) about twice that in live memory at their peak, the
// values limits (xmlrpc.DefaultMaxValues, jsonrpc.DefaultMaxValues) bounding the rest.
const decodeFactor = 2

// budget is the server's memory budget (Config.MemoryBudget): the bytes of request bodies being
// read, the values decoded from them and the answers being written, reserved before they are
// held, so that their sum never passes the limit. Reservations are refused rather than waited
// for: a request that does not fit is answered at once (503 with Retry-After) and everyone else
// goes on being served. Under Serve, a reservation is also charged to its peer (see peer), which
// may hold at most peerLimit. The last eighth of the budget is kept for small requests (needing
// at most smallNeed in all), so that large ones filling it leave the usual small calls served.
type budget struct {
	limit     int64
	large     int64 // what requests larger than smallNeed may hold in all
	peerLimit int64 // 0: no per-peer limit
	used      atomic.Int64
	peak      atomic.Int64 // the highest use since the memory was last given back (see reclaimer)
}

// smallNeed is the most a request may reserve and still count as small: a body and an answer of
// a few KiB, with their values.
const smallNeed = 64 << 10

func newBudget(limit int64, peerShare float64) *budget {
	b := &budget{limit: limit, large: limit - limit/8}
	if peerShare > 0 && peerShare < 1 {
		b.peerLimit = int64(math.Ceil(peerShare * float64(limit)))
	}
	return b
}

// Used returns the bytes reserved now.
func (b *budget) Used() int64 { return b.used.Load() }

// fits reports whether n bytes could ever be reserved by one request of p: whether refusing it
// is about the request (413) rather than the moment (503).
func (b *budget) fits(p *peer, n int64) bool {
	if p != nil && b.peerLimit > 0 {
		return n <= b.peerLimit
	}
	return n <= b.limit
}

// take reserves n more bytes for p (nil: no peer), for a request that then holds total, and
// reports whether they fit.
func (b *budget) take(p *peer, n, total int64) bool {
	if n <= 0 {
		b.give(p, -n)
		return true
	}
	u := b.used.Add(n)
	if u > b.limit || total > smallNeed && u > b.large {
		b.used.Add(-n)
		return false
	}
	if p != nil && b.peerLimit > 0 && p.used.Add(n) > b.peerLimit {
		p.used.Add(-n)
		b.used.Add(-n)
		return false
	}
	if u > b.peak.Load() {
		b.peak.Store(u) // racy but monotone enough: the peak only decides when to reclaim
	}
	return true
}

// give returns n reserved bytes of p.
func (b *budget) give(p *peer, n int64) {
	if n <= 0 {
		return
	}
	if p != nil && b.peerLimit > 0 {
		p.used.Add(-n)
	}
	b.used.Add(-n)
}

// reservation is what one request holds of the budget; the zero value holds nothing. It is not
// safe for concurrent use: one request's handler owns it.
type reservation struct {
	b *budget
	p *peer
	n int64
}

// resize makes the reservation n bytes, and reports whether that fit; when it does not, the
// reservation keeps what it had.
func (r *reservation) resize(n int64) bool {
	if n == r.n {
		return true
	}
	if !r.b.take(r.p, n-r.n, n) {
		return false
	}
	r.n = n
	return true
}

// release gives back everything the reservation holds.
func (r *reservation) release() {
	r.b.give(r.p, r.n)
	r.n = 0
}
