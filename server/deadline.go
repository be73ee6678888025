package server

import (
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// ownServerKey marks the contexts of requests served by httpServer's server, whose read deadline
// at the start of the body is known: net/http sets ReadTimeout (equal to ReadHeaderTimeout) from
// the start of each request, so the first read of a body runs under it (see deadlineReader).
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

// writeGuard wraps the connections of a plain listener in guardedConns.
type writeGuard struct {
	net.Listener
	timeout time.Duration
}

// Accept accepts the next connection and guards its writes.
func (l writeGuard) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &guardedConn{Conn: c, timeout: l.timeout}, nil
}

// guardedConn bounds writes as http.Server.WriteTimeout would, without its cost: WriteTimeout
// updates the connection's timer twice per request (net/http sets the deadline when a request
// arrives and clears it after the answer). Here a write starts with at least timeout/2 and at most
// timeout left on the write deadline, which is renewed only when less than timeout/2 is left; so
// a client that stops reading fails the write within timeout instead of holding its handler, and
// a connection answering many small requests updates its timer about once per timeout/2.
// net/http's clearing after each request (a zero write deadline) is therefore ignored, while a
// deadline a handler sets (http.ResponseController) is honoured until then.
type guardedConn struct {
	net.Conn
	timeout time.Duration
	until   atomic.Int64 // the write deadline set, in Unix nanoseconds
	manual  atomic.Bool  // a handler set its own write deadline for the current request
}

// Write writes p, renewing the write deadline first when less than timeout/2 of it is left.
func (c *guardedConn) Write(p []byte) (int, error) {
	if !c.manual.Load() {
		now := time.Now()
		if now.UnixNano()+int64(c.timeout/2) > c.until.Load() {
			until := now.Add(c.timeout)
			if err := c.Conn.SetWriteDeadline(until); err != nil {
				return 0, err
			}
			c.until.Store(until.UnixNano())
		}
	}
	return c.Conn.Write(p)
}

// SetWriteDeadline sets a handler's own write deadline; a zero one (net/http's clearing after
// each request) hands the deadline back to the guard.
func (c *guardedConn) SetWriteDeadline(t time.Time) error {
	if t.IsZero() {
		c.manual.Store(false)
		return nil
	}
	c.manual.Store(true)
	c.until.Store(t.UnixNano())
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline sets the read deadline and, as SetWriteDeadline does, the write deadline.
func (c *guardedConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// CloseWrite shuts down the writing side, as net/http does before closing a connection whose
// request it did not read whole.
func (c *guardedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
