package server

import (
	"io"
	"os"
	"sync"
	"time"
)

// halfClose lets a client that half-closes its sending side after a request (nc -N, some tools)
// get its answer. While a handler runs, net/http reads on from its connection, one byte at a
// time, to notice a client going away, and takes the end of the stream for one: it cancels the
// call, which then answers "not run: context canceled" to a client still reading. Under Serve
// the end of the stream is held back from such a one-byte read until net/http ends it (with a
// read deadline in the past, once the handler is done) or the connection closes: the call runs
// and is answered, and the next request's read sees the end and closes the connection as
// before. Requests and bodies are read through net/http's buffer, kilobytes at a time, so a
// body cut short still fails at once. A client that really went away is noticed when its
// answer's write fails; its call runs to its end or its timeout instead of being cancelled.
// TestHalfClose fails if net/http reads otherwise.
type halfClose struct {
	mu   sync.Mutex
	rdl  time.Time     // the read deadline last set
	wake chan struct{} // made when a read is held; signalled by deadlines and Close
}

// wakeUp tells a held read to look again at the deadline and the connection.
func (h *halfClose) wakeUp() {
	h.mu.Lock()
	w := h.wake
	h.mu.Unlock()
	if w != nil {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// Read reads from the connection; the end of the stream is held back from a one-byte read (see
// halfClose).
func (c *watchedConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	n, err := c.Conn.Read(p)
	if n == 0 && err != nil {
		if err == io.EOF && len(p) == 1 {
			return 0, c.holdEOF()
		}
		return c.lateRead(p, n, err)
	}
	if c.fb.waiting.Load() {
		if dl, ok := c.fb.arrived(n); ok {
			_ = c.Conn.SetReadDeadline(dl)
		}
	}
	return n, err
}

// holdEOF waits until the read deadline passes or the connection closes, and returns the
// deadline's error (which net/http expects of the read it aborts) or io.EOF.
func (c *watchedConn) holdEOF() error {
	h := &c.hc
	h.mu.Lock()
	if h.wake == nil {
		h.wake = make(chan struct{}, 1)
	}
	wake := h.wake
	h.mu.Unlock()
	for {
		if c.closed.Load() {
			return io.EOF
		}
		if dl := h.readDeadline(); !dl.IsZero() {
			wait := time.Until(dl)
			if wait <= 0 {
				return os.ErrDeadlineExceeded
			}
			t := time.NewTimer(wait)
			select {
			case <-wake:
			case <-t.C:
			}
			t.Stop()
			continue
		}
		<-wake
	}
}

// SetReadDeadline sets the connection's read deadline, which also ends a held read once past.
func (c *watchedConn) SetReadDeadline(t time.Time) error {
	c.hc.setDeadline(t)
	return c.Conn.SetReadDeadline(c.fb.deadline(t))
}

// SetDeadline sets both deadlines; the read one as SetReadDeadline does.
func (c *watchedConn) SetDeadline(t time.Time) error {
	c.hc.setDeadline(t)
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.Conn.SetReadDeadline(c.fb.deadline(t))
}

// readDeadline returns the read deadline last set (zero: none).
func (h *halfClose) readDeadline() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rdl
}

// setDeadline records the read deadline t and wakes a held read to look at it.
func (h *halfClose) setDeadline(t time.Time) {
	h.mu.Lock()
	h.rdl = t
	w := h.wake
	h.mu.Unlock()
	if w != nil {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}
