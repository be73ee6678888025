package client

import (
	"maps"
	"net/http"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/harp-rpc/harp/rpc"
)

// timeoutPrecision bounds what the coarsening of a call's rpc.TimeoutHeader takes off: at most
// 1/timeoutPrecision of the time left (0.4%; 1 ms of 750 ms).
const timeoutPrecision = 256

// coarseTimeout returns left truncated to a multiple of the largest power of ten nanoseconds
// no more than left/timeoutPrecision, and that power: the server is told a little less than the
// caller has (never more), in values that repeat from one call to the next, so that calls
// under one deadline, or under deadlines near each other, share one header (timedHeaders).
func coarseTimeout(left time.Duration) (q, step time.Duration) {
	step = 1
	for step <= left/(10*timeoutPrecision) {
		step *= 10
	}
	return left - left%step, step
}

// timedSlots is the size of a timedHeaders cache: the timeouts a busy client's calls carry at
// one moment (those of the cluster's shared attempt deadlines, 5 ms apart, so about six values
// of 1 ms each) each keep a slot. A used template's cache holds at most 8 headers (~4 KB).
const timedSlots = 8

// timedHeaders caches, for one request template, the headers of calls that add rpc.TimeoutHeader
// alone: each a copy of the template's with one coarsened timeout (coarseTimeout), never
// changed once stored, so any number of requests in flight may share it (net/http does not
// change a request's Header). A call whose timeout has a header here allocates none.
type timedHeaders struct {
	slots [timedSlots]atomic.Pointer[timedHeader]
}

// timedHeader is one header of a timedHeaders cache, and the timeout it carries.
type timedHeader struct {
	left time.Duration
	h    http.Header
}

// header returns tmpl, the template's header, with rpc.TimeoutHeader set to left coarsened:
// from the cache when a call sent the same value lately, else a new copy, then cached.
func (c *timedHeaders) header(tmpl http.Header, left time.Duration) http.Header {
	if left <= 0 {
		return withTrace(tmpl, left, true, "") // passed already: rare, not worth a slot
	}
	q, step := coarseTimeout(left)
	s := &c.slots[uint64(q/step)%timedSlots]
	if e := s.Load(); e != nil && e.left == q {
		return e.h
	}
	e := &timedHeader{left: q, h: withTrace(tmpl, q, true, "")}
	s.Store(e)
	return e.h
}

// traceValues holds the values withTrace adds to a request's header, in one allocation: the
// value slices and the timeout's bytes, which the timeout string points into.
type traceValues struct {
	vals [2]string
	buf  [rpc.MaxTimeoutLen]byte
}

// withTrace returns a copy of the template's header h with rpc.TimeoutHeader set to timeout
// (when hasTimeout) and rpc.RequestIDHeader to id (when not empty; an id rpc.ValidRequestID
// refuses is not sent). The value slices of h are shared, never changed.
func withTrace(h http.Header, timeout time.Duration, hasTimeout bool, id string) http.Header {
	if !rpc.ValidRequestID(id) {
		id = ""
	}
	if !hasTimeout && id == "" {
		return h
	}
	out := maps.Clone(h) // a small map's groups are copied whole, not rehashed key by key
	if out == nil {
		out = make(http.Header, 2)
	}
	tv := new(traceValues)
	if hasTimeout {
		b := rpc.AppendTimeout(tv.buf[:0], timeout)
		tv.vals[0] = unsafe.String(&b[0], len(b)) // tv.buf is never written again
		out[rpc.TimeoutHeader] = tv.vals[0:1:1]
	}
	if id != "" {
		tv.vals[1] = id
		out[rpc.RequestIDHeader] = tv.vals[1:2:2]
	}
	return out
}
