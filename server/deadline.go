package server

import (
	"io"
	"net/http"
	"time"
)

// ownServerKey marks the contexts of requests served by httpServer's server, whose read deadline
// at the start of the body is known: net/http sets ReadTimeout (equal to ReadHeaderTimeout) from
// the start of each request, so the first read of a body runs under it (see deadlineReader). Its
// value is the request's *watchedConn, which knows the peer.
type ownServerKey struct{}

// deadlineReader reads a request body under a read deadline of at most stall from the last renewal,
// never past end, renewed once half of stall has passed: so a client that stops sending fails the
// read after between stall/2 and stall instead of holding the handler. Under Serve, the first read
// runs under the deadline net/http set for the request (ReadHeaderTimeout from its start, see
// httpServer), so a small body, read in one go, costs no deadline change and no clock reading;
// the deadlines start with the second read. It lives in the pooled reqState: one per request would
// be an allocation on the hot path.
type deadlineReader struct {
	r       io.Reader
	rc      http.ResponseController
	stall   time.Duration
	timeout time.Duration // bounds the body from the first deadline set
	end     time.Time     // zero until the first deadline is set
	last    time.Time     // when the deadline was last set; zero before
	ok      bool          // deadlines are supported by the connection
	inherit bool          // the next read may run under the deadline already in force
	eof     bool          // the body was read to its end
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	switch {
	case d.inherit:
		d.inherit = false
	case d.ok:
		now := time.Now()
		if d.last.IsZero() || now.Sub(d.last) > d.stall/2 {
			if d.end.IsZero() {
				d.end = now.Add(d.timeout)
			}
			dl := now.Add(d.stall)
			if dl.After(d.end) {
				dl = d.end
			}
			if err := d.rc.SetReadDeadline(dl); err != nil {
				d.ok = false
			} else {
				d.last = now
			}
		}
	}
	n, err := d.r.Read(p)
	if err == io.EOF {
		d.eof = true
	}
	return n, err
}
