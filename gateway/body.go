package gateway

import (
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// bodyError is a request body refused before it is parsed, with server's statuses.
type bodyError struct {
	status int
	msg    string
}

func (e *bodyError) Error() string { return e.msg }

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
// gzip), within BodyTimeout. Too large is 413, too slow 408, an unknown encoding 415.
func readBody(w http.ResponseWriter, r *http.Request, lim Limits) (*[]byte, error) {
	max := lim.MaxBodySize
	if r.ContentLength > max {
		return nil, &bodyError{http.StatusRequestEntityTooLarge, "gateway: request body too large"}
	}
	// The read deadline stops a body that stalls; it is lifted for the answer's time.
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(lim.BodyTimeout)
	if rc.SetReadDeadline(deadline) == nil {
		defer rc.SetReadDeadline(time.Time{})
	}
	var src io.Reader = r.Body
	switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(io.LimitReader(r.Body, max+1))
		if err != nil {
			return nil, &bodyError{http.StatusBadRequest, "gateway: bad gzip body"}
		}
		defer zr.Close()
		src = zr
	default:
		return nil, &bodyError{http.StatusUnsupportedMediaType, "gateway: unsupported Content-Encoding (identity or gzip)"}
	}
	buf := getBuf()
	b := *buf
	if n := r.ContentLength; n > 0 && int64(cap(b)) < n && src == r.Body {
		b = make([]byte, 0, n)
	}
	for {
		if int64(len(b)) > max {
			*buf = b
			putBuf(buf)
			return nil, &bodyError{http.StatusRequestEntityTooLarge, "gateway: request body too large"}
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := src.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil || time.Now().After(deadline) {
			*buf = b
			putBuf(buf)
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, &bodyError{http.StatusRequestEntityTooLarge, "gateway: request body too large"}
			}
			if isTimeout(err) || err == nil {
				return nil, &bodyError{http.StatusRequestTimeout, "gateway: request body too slow"}
			}
			return nil, &bodyError{http.StatusBadRequest, "gateway: reading request body: " + err.Error()}
		}
	}
	if int64(len(b)) > max {
		*buf = b
		putBuf(buf)
		return nil, &bodyError{http.StatusRequestEntityTooLarge, "gateway: request body too large"}
	}
	*buf = b
	return buf, nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
