package server

import (
	"errors"
	"os"
	"sync/atomic"
	"time"
)

// firstByte makes a new connection's header timeout start at its first byte, as net/http does
// for every later request on a connection (it waits for the next request's first bytes before
// it sets that timeout), instead of when the connection was accepted. A client that connects
// ahead of need (a pool warming up, a busy machine where the writing goroutine runs late) used
// to have its connection closed after ReadHeaderTimeout with nothing received, then saw its
// request fail with a reset, a broken pipe or "server closed idle connection": under 2,000
// callers on two busy cores, a few calls in ten thousand. Until the first byte, a read deadline
// net/http sets is recorded and the connection waits for at most the idle timeout instead; the
// first read that brings bytes sets the recorded deadline again, counted from then. A client
// that connects and sends nothing holds its connection no longer than an idle keep-alive one.
type firstByte struct {
	waiting atomic.Bool // no byte read yet, and a wait is set
	wait    time.Duration
	planned time.Duration // the deadline net/http set, from when it set it; 0 for none
}

// start makes the connection wait for its first byte for at most wait (0: as net/http says).
func (f *firstByte) start(wait time.Duration) {
	if wait > 0 {
		f.wait = wait
		f.waiting.Store(true)
	}
}

// deadline returns the read deadline to set on the connection for the deadline t net/http
// asks for: while waiting for the first byte, the wait, t being kept for after it.
func (f *firstByte) deadline(t time.Time) time.Time {
	if !f.waiting.Load() || t.IsZero() {
		return t
	}
	now := time.Now()
	f.planned = t.Sub(now)
	return now.Add(f.wait)
}

// arrived is called after a read that brought n bytes; on the first bytes it returns the
// deadline to set from now on (ok), net/http's counted from now.
func (f *firstByte) arrived(n int) (t time.Time, ok bool) {
	if n == 0 || !f.waiting.Load() {
		return t, false
	}
	f.waiting.Store(false)
	if f.planned == 0 {
		return time.Time{}, true
	}
	return time.Now().Add(f.planned), true
}

// lateRead retries a read that failed because its deadline had passed: Go fails a read whose
// deadline is past without looking for data, so under load (a goroutine scheduled late) the
// server would fail a request whose bytes came in time, and answer 408 or drop the connection.
// The retry waits a millisecond at most, so a client that really sent nothing in time still
// fails; then the deadline is left past, as it was. One-byte reads are net/http's background
// reads, whose deadline ends them on purpose (see halfClose).
func (c *watchedConn) lateRead(p []byte, n int, err error) (int, error) {
	if n != 0 || len(p) <= 1 || !errors.Is(err, os.ErrDeadlineExceeded) {
		return n, err
	}
	if c.Conn.SetReadDeadline(time.Now().Add(c.bg.retry(&c.hc))) != nil {
		return n, err
	}
	n, err2 := c.Conn.Read(p)
	_ = c.Conn.SetReadDeadline(time.Unix(1, 0)) // past, as before
	if n > 0 {
		if dl, ok := c.fb.arrived(n); ok {
			_ = c.Conn.SetReadDeadline(dl)
		}
		return n, err2
	}
	return 0, err
}
