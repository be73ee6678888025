package client

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Buffers for requests and responses are pooled; a buffer that grew past maxPooledBuf is left to
// the garbage collector so one huge call does not pin memory.
const (
	initialBuf   = 4 << 10
	maxPooledBuf = 1 << 20
)

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, initialBuf)
	return &b
}}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) > maxPooledBuf {
		return
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

// maxOneWriteBody is the largest request body sent from a buffer of its own (memBody) rather
// than a pooled one. net/http writes a request's head and body in one write only when the body
// is a reader it knows to be in memory (a *bytes.Reader) and both fit its 4 KiB write buffer;
// for any other reader it flushes the head first, and the server then needs a second read (a
// harp server's fast connection waits for the body, see server's docs). Larger bodies take more
// than one write either way, and keep the pooled buffers.
const maxOneWriteBody = 3 << 10

// memBody is a small request's body in a buffer of its own, which the garbage collector reclaims
// once net/http is done with it: net/http may read a body after RoundTrip returns, so a pooled
// buffer could only be given back when it says so, and a *bytes.Reader does not tell.
type memBody struct {
	data []byte
	rd   bytes.Reader
}

func newMemBody(b []byte) *memBody {
	m := &memBody{data: bytes.Clone(b)}
	m.rd.Reset(m.data)
	return m
}

// reader returns the body as net/http recognises an in-memory one.
func (m *memBody) reader() io.ReadCloser { return io.NopCloser(&m.rd) }

// getBody returns a fresh reader of the body, for the transport to retry on a new connection
// when a reused one failed before anything was written.
func (m *memBody) getBody() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(m.data)), nil
}

var (
	gzipWriters sync.Pool // *gzip.Writer
	gzipReaders sync.Pool // *gzip.Reader
)

// gzipBuf returns src compressed, in a pooled buffer.
func gzipBuf(src []byte) (*[]byte, error) {
	out := getBuf()
	w := bytes.NewBuffer((*out)[:0])
	zw, _ := gzipWriters.Get().(*gzip.Writer)
	if zw == nil {
		zw = gzip.NewWriter(w)
	} else {
		zw.Reset(w)
	}
	_, err := zw.Write(src)
	if err == nil {
		err = zw.Close()
	}
	gzipWriters.Put(zw)
	*out = w.Bytes()
	if err != nil {
		putBuf(out)
		return nil, err
	}
	return out, nil
}

var errContentEncoding = errors.New("client: unsupported Content-Encoding")

// isBadEncoding reports whether a body read failed because of what the server sent (too
// large, an unknown or corrupt encoding) rather than because of the connection.
func isBadEncoding(err error) bool {
	var corrupt flate.CorruptInputError
	return errors.Is(err, ErrResponseTooLarge) || errors.Is(err, errContentEncoding) ||
		errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.As(err, &corrupt)
}

// readBody appends a response body, decompressing gzip, to dst, failing with ErrResponseTooLarge
// beyond max bytes. On failure it returns dst as it was.
func readBody(resp *http.Response, max int64, dst []byte) ([]byte, error) {
	var r io.Reader = resp.Body
	switch ce := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); ce {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, _ := gzipReaders.Get().(*gzip.Reader)
		var err error
		if zr == nil {
			zr, err = gzip.NewReader(resp.Body)
		} else {
			err = zr.Reset(resp.Body)
		}
		if err == io.EOF {
			err = gzip.ErrHeader // an empty body is no gzip stream
		}
		if err != nil {
			return dst, err
		}
		defer gzipReaders.Put(zr)
		r = zr
	default:
		return dst, fmt.Errorf("%w %q", errContentEncoding, ce)
	}
	start := len(dst)
	b := dst
	if n := resp.ContentLength; n > 0 && n < max && r == resp.Body && int64(cap(b)-start) < n+1 {
		b = append(make([]byte, 0, int64(start)+n+1), dst...) // +1 to see EOF without growing
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if max > 0 && int64(len(b)-start) > max {
			return dst, fmt.Errorf("%w (limit %d bytes)", ErrResponseTooLarge, max)
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// statusBodyMax is how much of a non-200 answer's body a StatusError keeps (enough for a fault
// or an error object sent with HTTP 500, which is read as the answer); statusDrainMax is how much
// more is read so the connection can be reused.
const (
	statusBodyMax  = 16 << 10
	statusDrainMax = 64 << 10
)

// statusError describes a non-200 answer and drains a bounded part of its body.
func statusError(method, url string, resp *http.Response) *StatusError {
	e := &StatusError{Method: method, URL: url, Code: resp.StatusCode, Status: resp.Status}
	if secs, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && secs >= 0 {
		e.RetryAfter = time.Duration(secs) * time.Second
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, statusBodyMax))
	if len(body) > 0 {
		e.Body = body
	}
	_, _ = io.CopyN(io.Discard, resp.Body, statusDrainMax)
	return e
}
