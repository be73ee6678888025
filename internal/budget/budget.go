package budget

import (
	"math"
	"sync/atomic"
)

// DecodeFactor is what a request's decoded values are reckoned to cost, as a multiple of its
// body: a string or a byte array costs about its size once decoded, and the densest documents
// (an array of <value/>, or of JSON zeros) about twice that in live memory at their peak, the
// values limits (xmlrpc.DefaultMaxValues, jsonrpc.DefaultMaxValues) bounding the rest.
const DecodeFactor = 2

// SmallNeed is the most a request may reserve and still count as small: a body and an answer of
// a few KiB, with their values. Small requests may use the last eighth of the budget, which
// larger ones leave to them.
const SmallNeed = 64 << 10

// Budget is a memory budget of a fixed number of bytes, shared by every request of one server
// or gateway, and charged per peer when a reservation names one. Its methods are safe for
// concurrent use.
type Budget struct {
	limit     int64
	large     int64 // what requests larger than SmallNeed may hold in all
	peerLimit int64 // 0: no per-peer limit
	used      atomic.Int64
	peak      atomic.Int64 // the highest use since ReclaimDue last reported true
}

// New returns a budget of limit bytes (which must be positive), of which one peer may hold at
// most peerShare (0 or 1: no per-peer limit).
func New(limit int64, peerShare float64) *Budget {
	b := &Budget{limit: limit, large: limit - limit/8}
	if peerShare > 0 && peerShare < 1 {
		b.peerLimit = int64(math.Ceil(peerShare * float64(limit)))
	}
	return b
}

// Limit returns the budget's size in bytes.
func (b *Budget) Limit() int64 { return b.limit }

// Used returns the bytes reserved now.
func (b *Budget) Used() int64 { return b.used.Load() }

// Fits reports whether n bytes could ever be reserved by one request of p (nil: no peer): whether
// refusing it is about the request (413) rather than the moment (503).
func (b *Budget) Fits(p *Peer, n int64) bool {
	if p != nil && b.peerLimit > 0 {
		return n <= b.peerLimit
	}
	return n <= b.limit
}

// Take reserves n more bytes for p (nil: no peer), for a request that then holds total, and
// reports whether they fit; a negative n gives -n back. What does not fit is not kept.
func (b *Budget) Take(p *Peer, n, total int64) bool {
	if n <= 0 {
		b.Give(p, -n)
		return true
	}
	u := b.used.Add(n)
	if u > b.limit || total > SmallNeed && u > b.large {
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

// Give returns n bytes reserved for p.
func (b *Budget) Give(p *Peer, n int64) {
	if n <= 0 {
		return
	}
	if p != nil && b.peerLimit > 0 {
		p.used.Add(-n)
	}
	b.used.Add(-n)
}

// Reservation is what one request holds of a budget, charged to its peer (nil: none). The zero
// value of Held is nothing; a Reservation is not safe for concurrent use: one request owns it.
type Reservation struct {
	Budget *Budget
	Peer   *Peer
	n      int64
}

// Held returns the bytes the reservation holds.
func (r *Reservation) Held() int64 { return r.n }

// Resize makes the reservation n bytes, and reports whether that fit; when it does not, the
// reservation keeps what it had.
func (r *Reservation) Resize(n int64) bool {
	if n == r.n {
		return true
	}
	if !r.Budget.Take(r.Peer, n-r.n, n) {
		return false
	}
	r.n = n
	return true
}

// Fits reports whether n bytes could ever be held by the reservation's request (see
// Budget.Fits).
func (r *Reservation) Fits(n int64) bool { return r.Budget.Fits(r.Peer, n) }

// Release gives back everything the reservation holds.
func (r *Reservation) Release() {
	r.Budget.Give(r.Peer, r.n)
	r.n = 0
}
