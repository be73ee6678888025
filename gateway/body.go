package gateway

import (
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/harp-rpc/harp/internal/budget"
)

// bodyError is a request body refused before it is parsed, with server's statuses; busy ones
// (503) carry a Retry-After of a second.
type bodyError struct {
	status int
	msg    string
}

func (e *bodyError) Error() string { return e.msg }

// write answers the refusal, closing the connection: that spares net/http reading the rest of a
// body that may never come.
func (e *bodyError) write(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Connection", "close")
	if e.status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "1")
	}
	http.Error(w, e.msg, e.status)
}

var (
	errTooLarge   = &bodyError{http.StatusRequestEntityTooLarge, "gateway: request body too large"}
	errOverBudget = &bodyError{http.StatusRequestEntityTooLarge, "gateway: request too large for the memory budget"}
	errBudgetFull = &bodyError{http.StatusServiceUnavailable, "gateway: busy: memory budget full"}
	errBodiesBusy = &bodyError{http.StatusServiceUnavailable, "gateway: busy: too many request bodies being read"}
	errStalled    = &bodyError{http.StatusRequestTimeout, "gateway: request body too slow"}
	errBadGzip    = &bodyError{http.StatusBadRequest, "gateway: bad gzip body"}
	errEncoding   = &bodyError{http.StatusUnsupportedMediaType, "gateway: unsupported Content-Encoding (identity or gzip)"}
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

// putBuf returns a buffer to the pool unless it grew past 1 MiB.
func putBuf(b *[]byte) {
	if cap(*b) <= 1<<20 {
		*b = (*b)[:0]
		bufPool.Put(b)
	}
}

// readBody reads a request body within the limits: at most MaxBodySize bytes (before and after
// gzip), within BodyTimeout and never BodyStallTimeout without a byte, and within res's share of
// the memory budget, which then also holds twice the body for the values decoded from it. A
// body that takes more than one read counts among the bodies being read (MaxBodies, and its
// peer's share of them) until it is in. Errors are *bodyError: too large or over the budget
// 413, the budget or the bodies full 503, too slow 408, an unknown encoding 415, bad gzip 400.
//
// sr is the body's reader, whose memory the caller provides (the exchange's).
func (sr *stallReader) readBody(w http.ResponseWriter, r *http.Request, lim Limits, res *budget.Reservation, peers *budget.Peers) (*[]byte, error) {
	limit := lim.MaxBodySize
	if r.ContentLength > limit {
		return nil, errTooLarge
	}
	if r.ContentLength > 0 && !res.Fits((1+budget.DecodeFactor)*r.ContentLength) {
		return nil, errOverBudget
	}
	*sr = stallReader{r: r.Body, rc: *http.NewResponseController(w), stall: lim.BodyStallTimeout,
		end: time.Now().Add(lim.BodyTimeout), peers: peers, peer: res.Peer}
	defer sr.done()
	var src io.Reader = sr
	hint := int64(0)
	switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
	case "", "identity":
		hint = r.ContentLength + 1
	case "gzip", "x-gzip":
		// The compressed stream is bounded too: empty gzip members would otherwise
		// decompress to nothing for as long as BodyTimeout lets them come.
		zr, err := gzip.NewReader(io.LimitReader(sr, limit+1))
		if err != nil {
			return nil, classify(err, errBadGzip)
		}
		defer zr.Close()
		src = zr
	default:
		return nil, errEncoding
	}
	buf := getBuf()
	b, err := budget.ReadLimited(src, (*buf)[:0], limit, hint, res)
	*buf = b
	if err == nil {
		if need := max(res.Held(), int64(len(b))) + budget.DecodeFactor*int64(len(b)); !res.Resize(need) {
			err = budget.ErrFull
			if !res.Fits(need) {
				err = budget.ErrOver
			}
		}
	}
	if err != nil {
		putBuf(buf)
		other := &bodyError{http.StatusBadRequest, "gateway: reading request body: " + err.Error()}
		if src != io.Reader(sr) {
			other = errBadGzip
		}
		return nil, classify(err, other)
	}
	return buf, nil
}

// classify turns a read error into the answer it deserves; other is for the rest.
func classify(err error, other *bodyError) error {
	var be *bodyError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &be):
		return be
	case err == budget.ErrTooLarge, errors.As(err, &mbe):
		return errTooLarge
	case err == budget.ErrFull:
		return errBudgetFull
	case err == budget.ErrOver:
		return errOverBudget
	case isTimeout(err):
		return errStalled
	}
	return other
}

// stallReader reads a request body under a moving read deadline: BodyStallTimeout from now,
// never past the body's end (BodyTimeout from its start). The deadline moves only when it would
// move by more than a quarter of the stall, so a body read in many pieces costs few updates, and
// a stall is cut after three quarters of BodyStallTimeout at least. From its second read on, the
// body counts among the bodies being read.
type stallReader struct {
	r          io.Reader
	rc         http.ResponseController
	stall      time.Duration
	end, set   time.Time
	reads      int
	peers      *budget.Peers
	peer       *budget.Peer
	counted    bool
	noDeadline bool // the writer cannot set read deadlines: only end is checked, between reads
}

func (s *stallReader) Read(p []byte) (int, error) {
	if s.reads++; s.reads == 2 && s.peers != nil {
		if !s.peers.StartBody(s.peer) {
			return 0, errBodiesBusy
		}
		s.counted = true
	}
	now := time.Now()
	if !now.Before(s.end) {
		return 0, os.ErrDeadlineExceeded
	}
	if d := earliest(now.Add(s.stall), s.end); !s.noDeadline && (d.Sub(s.set) > s.stall/4 || d.Before(s.set)) {
		if s.rc.SetReadDeadline(d) != nil {
			s.noDeadline = true
		}
		s.set = d
	}
	return s.r.Read(p)
}

// done ends the body's count and lifts the read deadline for the answer's time, so that the
// connection's background read does not inherit it.
func (s *stallReader) done() {
	if s.counted {
		s.peers.EndBody(s.peer)
	}
	if !s.set.IsZero() && !s.noDeadline {
		_ = s.rc.SetReadDeadline(time.Time{})
	}
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &t) && t.Timeout()
}

// writeAnswer writes body in pieces of 32 KiB, each under a write deadline of WriteStallTimeout
// from its start (never past WriteTimeout from the request's start), so that a client that stops
// reading loses its connection within seconds instead of pinning its answer for WriteTimeout.
// An answer of one piece needs no deadline of its own: the kernel's buffer takes it. A stalled
// connection is reset, its unsent bytes dropped.
func writeAnswer(w http.ResponseWriter, r *http.Request, body []byte, lim *Limits, start time.Time) {
	const piece = 32 << 10
	if len(body) <= piece || lim.WriteStallTimeout <= 0 {
		w.Write(body)
		return
	}
	rc := http.NewResponseController(w)
	end := start.Add(lim.WriteTimeout)
	dropUnsent(r, true)
	defer dropUnsent(r, false)
	for len(body) > 0 {
		n := min(len(body), piece)
		if rc.SetWriteDeadline(earliest(time.Now().Add(lim.WriteStallTimeout), end)) != nil {
			w.Write(body) // no deadlines here (not a connection of Serve's): WriteTimeout bounds it
			return
		}
		if _, err := w.Write(body[:n]); err != nil {
			return // net/http has closed the connection: reset, its unsent bytes dropped
		}
		body = body[n:]
	}
}
