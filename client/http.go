package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harp-rpc/harp/rpc"
)

// httpTransport is the rpc.Transport of a Client: it posts each encoded request to one endpoint
// over HTTP, HTTPS or a unix socket, and maps what happens to TransportError, StatusError and
// ResponseError. It knows the wire formats only by the Request's Protocol, which picks the
// Content-Type.
type httpTransport struct {
	ep            *endpoint
	rt            http.RoundTripper
	owned         *http.Transport     // the transport New built, nil with WithTransport
	tmpl          [2][2]*http.Request // by protocol (xmlTmpl, jsonTmpl), then plain and gzip-encoded
	timed         [2][2]timedHeaders  // each template's header with a timeout, as calls sent it lately
	maxSize       int64
	gzipRequests  bool
	gzipThreshold int

	inflight atomic.Int64
	closed   atomic.Bool
}

// Indexes into httpTransport.tmpl.
const (
	xmlTmpl  = 0
	jsonTmpl = 1
)

// protocolTmpl returns the template index of a Request's protocol.
func protocolTmpl(protocol string) int {
	if protocol == "jsonrpc" {
		return jsonTmpl
	}
	return xmlTmpl
}

// newTemplates builds the request templates: method, URL and headers, for XML-RPC and JSON-RPC,
// plain and gzip-encoded.
func newTemplates(ep *endpoint, h http.Header) [2][2]*http.Request {
	var t [2][2]*http.Request
	for i, ct := range [2]string{"text/xml", "application/json"} {
		hp := h.Clone()
		hp.Set("Content-Type", ct)
		t[i][0] = &http.Request{
			Method:     http.MethodPost,
			URL:        ep.url,
			Proto:      "HTTP/1.1",
			ProtoMajor: 1,
			ProtoMinor: 1,
			Header:     hp,
			Host:       ep.url.Host,
		}
		gz := *t[i][0]
		gz.Header = hp.Clone()
		gz.Header.Set("Content-Encoding", "gzip")
		t[i][1] = &gz
	}
	return t
}

// Close refuses further calls and closes the idle connections, and the busy ones as calls in
// flight finish. It is idempotent.
func (t *httpTransport) Close() error {
	if !t.closed.Swap(true) {
		t.closeIdle()
	}
	return nil
}

func (t *httpTransport) closeIdle() {
	if t.owned != nil {
		t.owned.CloseIdleConnections()
	}
}

// RoundTrip posts r's body and appends the body of a 200 answer (or of a 204 to a JSON-RPC
// request) to dst. When ctx has a deadline the request carries what is left of it in
// rpc.TimeoutHeader (so the server can give its handler no more), less at most 1/256 of it
// (coarseTimeout: calls close in time then share one header), and when it carries a request id
// (rpc.RequestID) that id in rpc.RequestIDHeader; without either the template's header is used
// as it is, at no cost.
func (t *httpTransport) RoundTrip(ctx context.Context, r *rpc.Request, dst []byte) ([]byte, error) {
	if ctx == nil {
		return dst, ErrNilContext
	}
	method := r.Method
	t.inflight.Add(1)
	defer func() {
		if t.inflight.Add(-1) == 0 && t.closed.Load() {
			t.closeIdle()
		}
	}()
	if t.closed.Load() {
		return dst, &TransportError{Method: method, URL: t.ep.redacted, Op: "connect", Err: ErrClosed}
	}
	if err := ctx.Err(); err != nil {
		return dst, newTransportError(ctx, method, t.ep.redacted, "connect", false, err)
	}

	// The request lives in a buffer of the transport's own: net/http may still read it after
	// RoundTrip returns, and r.Body is the caller's again by then. A small one gets a buffer of
	// its own (memBody), so that it goes out in one write with the head.
	proto, gz := protocolTmpl(r.Protocol), 0
	var (
		reqBuf *[]byte
		mem    *memBody
	)
	switch {
	case t.gzipRequests && len(r.Body) > t.gzipThreshold:
		z, err := gzipBuf(r.Body)
		if err != nil {
			return dst, fmt.Errorf("client: %s: compressing request: %w", method, err)
		}
		reqBuf, gz = z, 1
	case len(r.Body) <= maxOneWriteBody:
		mem = newMemBody(r.Body)
	default:
		reqBuf = getBuf()
		*reqBuf = append((*reqBuf)[:0], r.Body...)
	}
	st := &callState{buf: reqBuf}
	if reqBuf != nil {
		st.refs.Store(2) // this function, and the first body reader
		st.body = bodyReader{st: st, b: *reqBuf}
	}
	st.trace = httptrace.ClientTrace{GotConn: st.gotConn}
	rctx := ctx
	attempt, hasAttempt := rpc.AttemptTimeout(ctx)
	if hasAttempt {
		// the attempt's clock starts once connected (see rpc.WithAttemptTimeout)
		rctx = st.attemptClock(ctx, attempt)
		defer st.stopAttempt()
	}
	tmpl := t.tmpl[proto][gz]
	req := tmpl.WithContext(httptrace.WithClientTrace(rctx, &st.trace))
	id := rpc.RequestID(ctx)
	if !rpc.ValidRequestID(id) {
		id = "" // not sent
	}
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if hasAttempt {
			left = min(left, attempt) // the server gets what the attempt has, not the connect's
		}
		if id == "" {
			req.Header = t.timed[proto][gz].header(tmpl.Header, left)
		} else {
			req.Header = withTrace(tmpl.Header, left, true, id)
		}
	} else if id != "" {
		req.Header = withTrace(tmpl.Header, 0, false, id)
	}
	if mem != nil {
		req.Body, req.GetBody, req.ContentLength = mem.reader(), mem.getBody, int64(len(mem.data))
	} else {
		req.Body, req.GetBody, req.ContentLength = &st.body, st.getBody, int64(len(*reqBuf))
	}

	resp, err := t.rt.RoundTrip(req)
	if reqBuf != nil {
		st.release() // RoundTrip has returned: no more GetBody
	}
	if err != nil {
		op, sent := t.outcome(st, err)
		return dst, newTransportError(ctx, method, t.ep.redacted, op, sent, st.attemptErr(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && (proto != jsonTmpl || resp.StatusCode != http.StatusNoContent) {
		// JSON-RPC answers notifications with 204 No Content: an empty body.
		return dst, statusError(method, t.ep.redacted, resp)
	}
	body, err := readBody(resp, t.maxSize, dst)
	if err != nil {
		if isBadEncoding(err) {
			return dst, &ResponseError{Method: method, URL: t.ep.redacted, Offset: -1, Err: err}
		}
		return dst, newTransportError(ctx, method, t.ep.redacted, "read", true, st.attemptErr(err))
	}
	if err := rpc.Late(ctx); err != nil {
		return dst, newTransportError(ctx, method, t.ep.redacted, "read", true, err)
	}
	if st.attemptOver() {
		return dst, newTransportError(ctx, method, t.ep.redacted, "read", true, errAttemptTimeout)
	}
	return body, nil
}

// outcome decides the phase a failed request reached and whether it may have reached the
// server. The client's own transport counts the bytes each connection accepts (callState). A
// transport of the caller's (WithTransport) may not report connections to httptrace, so there
// the error decides: an error in its chain with a NotSent() bool method says; failing that, only
// a failed dial proves the request was not sent. A TLS handshake the server rejected was never
// read, whoever made the connection.
func (t *httpTransport) outcome(st *callState, err error) (op string, sent bool) {
	op, sent = st.op(), st.sent()
	if tlsHandshakeRejected(err) {
		return "connect", false
	}
	if t.owned != nil {
		return op, sent
	}
	var ns interface{ NotSent() bool }
	switch {
	case errors.As(err, &ns):
		if ns.NotSent() {
			if sent {
				op = "connect" // the caller's transport knows better than a GotConn it reported
			}
			return op, false
		}
		return "read", true
	case !sent && isDialError(err):
		return op, false
	}
	return "read", true
}

// callState follows one call through the transport: whether a connection was obtained, whether
// any byte of the request reached a socket, and when the request buffer may be reused.
type callState struct {
	buf   *[]byte
	refs  atomic.Int32 // holders of buf: the caller until RoundTrip returns, and open body readers
	body  bodyReader
	trace httptrace.ClientTrace

	conn    atomic.Bool                  // a connection was obtained
	counted atomic.Pointer[countingConn] // the connection of the latest attempt, when countable
	start   atomic.Int64                 // its byte count when the attempt got it
	wrote   atomic.Bool                  // an earlier attempt wrote bytes
	unknown atomic.Bool                  // an attempt used a connection whose writes are not counted
	attempt attemptState                 // the clock of rpc.WithAttemptTimeout, when the call has one
}

// gotConn records the connection an attempt uses. The transport may make several attempts
// (it retries on a fresh connection when a reused one failed before anything was written).
func (st *callState) gotConn(info httptrace.GotConnInfo) {
	st.armAttempt()
	if prev := st.counted.Load(); prev != nil && prev.written.Load() > st.start.Load() {
		st.wrote.Store(true)
	}
	st.conn.Store(true)
	cc := countedConn(info.Conn)
	if cc == nil {
		st.unknown.Store(true)
		st.counted.Store(nil)
		return
	}
	st.start.Store(cc.written.Load())
	st.counted.Store(cc)
}

// sent reports whether the request may have reached the server: false only when no attempt
// obtained a connection, or none wrote a single byte of the request to its socket. It is read
// after RoundTrip failed, when the transport has finished writing.
func (st *callState) sent() bool {
	if !st.conn.Load() {
		return false
	}
	if st.unknown.Load() || st.wrote.Load() {
		return true
	}
	cc := st.counted.Load()
	return cc == nil || cc.written.Load() > st.start.Load()
}

// op names the phase a failed call reached.
func (st *callState) op() string {
	switch {
	case !st.conn.Load():
		return "connect"
	case !st.sent():
		return "write"
	}
	return "read"
}

func (st *callState) release() {
	if st.refs.Add(-1) == 0 {
		putBuf(st.buf)
	}
}

// getBody returns a fresh reader of the request, for the transport to retry on a new
// connection when a reused one failed before anything was written.
func (st *callState) getBody() (io.ReadCloser, error) {
	st.refs.Add(1)
	return &bodyReader{st: st, b: *st.buf}, nil
}

// bodyReader reads a request body out of a pooled buffer. Closing it gives up its hold on the
// buffer; the lock keeps a late Close from recycling the buffer under a Read in progress.
type bodyReader struct {
	mu     sync.Mutex
	st     *callState
	b      []byte
	off    int
	closed bool
}

var errBodyClosed = errors.New("client: request body read after close")

// Read copies the next bytes of the request.
func (r *bodyReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, errBodyClosed
	}
	if r.off >= len(r.b) {
		return 0, io.EOF
	}
	n := copy(p, r.b[r.off:])
	r.off += n
	return n, nil
}

// Close gives up the reader's hold on the request buffer; later Reads fail.
func (r *bodyReader) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed, r.b = true, nil
	r.mu.Unlock()
	r.st.release()
	return nil
}
