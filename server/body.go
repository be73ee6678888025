package server

import (
	"compress/gzip"
	"errors"
	"github.com/harp-rpc/harp/internal/fastpath"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// bodyError is a request body the handler refuses, with the HTTP status to answer.
type bodyError struct {
	status int
	msg    string
}

func (e *bodyError) Error() string { return e.msg }

var (
	errTooLarge     = &bodyError{http.StatusRequestEntityTooLarge, "request body too large"}
	errStalled      = &bodyError{http.StatusRequestTimeout, "request body not received in time"}
	errTruncated    = &bodyError{http.StatusBadRequest, "request body truncated"}
	errBadGzip      = &bodyError{http.StatusBadRequest, "request body is not valid gzip"}
	errBadEncoding  = &bodyError{http.StatusUnsupportedMediaType, "unsupported Content-Encoding (identity or gzip)"}
	errBodyReadFail = &bodyError{http.StatusBadRequest, "cannot read request body"}
	errBodiesBusy   = &bodyError{http.StatusServiceUnavailable, "server busy: too many request bodies being read"}
	errBudgetFull   = &bodyError{http.StatusServiceUnavailable, "server busy: memory budget full"}
	errOverBudget   = &bodyError{http.StatusRequestEntityTooLarge, "request too large for the memory budget"}
)

// reqState is what serving one call needs, pooled as one: the request and response buffers and
// the body reader. Buffers grown past maxPooled are dropped rather than pooled.
type reqState struct {
	in, out []byte
	dr      deadlineReader
	res     reservation // what the request holds of the memory budget
}

const maxPooled = 1 << 20

var statePool = sync.Pool{New: func() any {
	return &reqState{in: make([]byte, 0, 4096), out: make([]byte, 0, 4096)}
}}

func getState() *reqState { return statePool.Get().(*reqState) }

func putState(st *reqState) {
	if cap(st.in) > maxPooled {
		st.in = make([]byte, 0, 4096)
	}
	if cap(st.out) > maxPooled {
		st.out = make([]byte, 0, 4096)
	}
	st.in, st.out = st.in[:0], st.out[:0]
	st.dr = deadlineReader{}
	st.res = reservation{}
	statePool.Put(st)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) > maxPooled {
		return
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

var gzipReaders sync.Pool // *gzip.Reader

// readBody reads the request body into st.in (grown as needed), decompressing gzip, within the
// size limit, deadlines and st.res's share of the memory budget, and returns it. own tells that
// the request came through Serve (see ownServerKey). Errors are *bodyError.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, st *reqState, own bool) ([]byte, error) {
	body, err := s.readBodyInto(w, r, st.in, &st.dr, own, &st.res)
	st.in = body[:0]
	return body, err
}

func (s *Server) readBodyInto(w http.ResponseWriter, r *http.Request, buf []byte, dr *deadlineReader, own bool, res *reservation) ([]byte, error) {
	max := s.cfg.MaxBodySize
	if r.ContentLength > max {
		return buf, errTooLarge
	}
	if r.ContentLength > 0 && !res.Fits((1+decodeFactor)*r.ContentLength) {
		return buf, errOverBudget
	}
	own = own && r.Body != http.NoBody
	if fastpath.Enabled && own && r.ContentLength > 0 && r.ContentLength < int64(cap(buf)-len(buf)) && len(r.Header["Content-Encoding"]) == 0 {
		// The usual small body: its first read runs under the deadline net/http set (see
		// deadlineReader) and mostly brings all of it, so the guarded reader is only set up for
		// the rest, when there is a rest.
		n, err := r.Body.Read(buf[len(buf) : len(buf)+int(r.ContentLength)+1])
		buf = buf[:len(buf)+n]
		switch {
		case err == io.EOF && int64(len(buf)) <= max:
			return buf, nil
		case err != nil && err != io.EOF:
			return buf, classify(err, errBodyReadFail)
		}
		own = false // the next read sets its own deadline
	}
	// A body that takes more than one read counts among the bodies being read until it is in.
	if r.Body != http.NoBody {
		if !s.peers.StartBody(res.Peer) {
			return buf, errBodiesBusy
		}
		defer s.peers.EndBody(res.Peer)
	}
	*dr = deadlineReader{r: r.Body, rc: *http.NewResponseController(w), stall: s.cfg.BodyStallTimeout,
		timeout: s.cfg.BodyTimeout, ok: r.Body != http.NoBody}
	dr.inherit = own
	defer func() {
		if !dr.last.IsZero() && !dr.eof {
			// The connection's background read, which notices a client going away, must not
			// inherit the body deadline. net/http clears it itself when it starts that read at
			// the body's end; when the body was not read to its end, clear it here.
			_ = dr.rc.SetReadDeadline(time.Time{})
		}
		dr.r = nil
	}()
	var src io.Reader = dr
	var hint int64 // the size to grow the buffer to at once, when known
	switch enc := r.Header["Content-Encoding"]; {
	case len(enc) == 0 || strings.EqualFold(enc[0], "identity"):
		hint = r.ContentLength + 1
	case strings.EqualFold(enc[0], "gzip") || strings.EqualFold(enc[0], "x-gzip"):
		zr, _ := gzipReaders.Get().(*gzip.Reader)
		var err error
		if zr == nil {
			zr, err = gzip.NewReader(dr)
		} else {
			err = zr.Reset(dr)
		}
		if err != nil {
			return buf, classify(err, errBadGzip)
		}
		defer gzipReaders.Put(zr)
		src = zr
	default:
		return buf, errBadEncoding
	}
	buf, err := readLimited(src, buf, max, hint, res)
	if err != nil {
		if src != io.Reader(dr) {
			return buf, classify(err, errBadGzip)
		}
		return buf, classify(err, errBodyReadFail)
	}
	return buf, nil
}

// classify turns a read error into the answer it deserves; other is for malformed content.
func classify(err error, other *bodyError) error {
	var be *bodyError
	switch {
	case errors.As(err, &be):
		return be
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errStalled
	case errors.Is(err, io.ErrUnexpectedEOF) && other != errBadGzip:
		return errTruncated
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.Is(err, io.ErrUnexpectedEOF):
		return other
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge
	}
	return other
}
