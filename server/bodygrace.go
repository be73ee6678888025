package server

import (
	"sync/atomic"
	"time"
)

// bodyGrace gives a request's body, once, the body stall timeout counted from when the server
// reads it instead of the read deadline net/http set when the request's headers started
// (ReadTimeout, equal to ReadHeaderTimeout: 1 s), which the first read of the body inherits (see
// deadlineReader). net/http's client flushes a request's headers before a body that is not a
// bytes or strings reader (harp's client's is not), so the body comes in a second segment; on a
// busy machine (2,000 callers on two cores) the client's writing goroutine may run late, or the
// handler may start late, and the body's first read failed at the header deadline, answered
// 408 "request body not received in time" (issue 12). Only a read that fails under the deadline
// net/http set for the request, after its headers were read (the watchdog's active phase),
// gets the grace; a header read never does, so a client trickling its headers is still cut off
// at ReadHeaderTimeout, and a body that stalls again is cut off by deadlineReader's own
// deadlines. Only connections with a watchdog see the phases; others keep the millisecond retry.
type bodyGrace struct {
	wait time.Duration // the grace, the body stall timeout; 0 for none
	// reqDL is the read deadline net/http set for the current request, in Unix nanoseconds, while
	// its body may still get the grace; 0 once given, or when there is none to give.
	reqDL atomic.Int64
}

// arm marks the start of a request's handling (its headers read): its body may get the grace
// once, while the read deadline is still the one net/http set, recorded in h.
func (g *bodyGrace) arm(h *halfClose) {
	if g.wait <= 0 {
		return
	}
	var dl int64
	if t := h.readDeadline(); !t.IsZero() {
		dl = t.UnixNano()
	}
	g.reqDL.Store(dl)
}

// retry returns how long a read that failed at its deadline may wait again: the grace, the
// first time in a request and while the deadline is net/http's, else a millisecond.
func (g *bodyGrace) retry(h *halfClose) time.Duration {
	dl := g.reqDL.Load()
	if dl == 0 || h.readDeadline().UnixNano() != dl || !g.reqDL.CompareAndSwap(dl, 0) {
		return time.Millisecond
	}
	return g.wait
}
