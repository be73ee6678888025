package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harp-rpc/harp/xmlrpc"
)

// Client calls methods on one XML-RPC server, or JSON-RPC server with WithJSONRPC. It is safe for any number of goroutines at once:
// calls share a pool of keep-alive connections, and none waits for another except through the
// pool's limits (WithMaxConnsPerHost). Make one Client per server and reuse it.
type Client struct {
	ep            *endpoint
	rt            http.RoundTripper
	owned         *http.Transport // the transport New built, nil with WithTransport
	tmpl          *http.Request   // request template: method, URL, headers
	tmplGzip      *http.Request   // the same with Content-Encoding: gzip
	enc           xmlrpc.EncodeOptions
	dec           xmlrpc.DecodeOptions
	maxSize       int64
	timeout       time.Duration
	gzipRequests  bool
	gzipThreshold int
	js            *jsonCodec // nil for XML-RPC

	inflight atomic.Int64
	closed   atomic.Bool
}

// New returns a client for the server at rawURL, which is http://host[:port][/path],
// https://host[:port][/path] or unix:///path/to.sock. An empty path means /RPC2 (as in Python's
// ServerProxy); a unix:// URL names the socket, and its requests go to /RPC2 unless WithPath says
// otherwise. User info in the URL (http://user:pass@host/) is sent as HTTP Basic credentials.
// New does not connect: the first call does.
func New(rawURL string, opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(cfg); err != nil {
			return nil, err
		}
	}
	ep, err := parseEndpoint(rawURL, cfg.path)
	if err != nil {
		return nil, err
	}
	c := &Client{
		ep:            ep,
		enc:           cfg.enc,
		dec:           cfg.dec,
		maxSize:       cfg.dec.MaxSize,
		timeout:       cfg.timeout,
		gzipRequests:  cfg.gzipRequests,
		gzipThreshold: cfg.gzipThreshold,
		js:            cfg.json,
	}
	contentType := "text/xml"
	if c.js != nil {
		contentType = "application/json"
		c.maxSize = c.js.dec.MaxSize
	}
	if c.maxSize == 0 {
		c.maxSize = xmlrpc.DefaultMaxSize
	}
	if cfg.transport != nil {
		if ep.socket != "" {
			return nil, errors.New("client: a unix:// URL needs the client's own transport, not WithTransport")
		}
		c.rt = cfg.transport
	} else {
		t, err := newTransport(ep, cfg)
		if err != nil {
			return nil, err
		}
		c.rt, c.owned = t, t
	}

	h := cfg.header.Clone()
	h.Set("Content-Type", contentType)
	h.Set("User-Agent", cfg.userAgent)
	if cfg.acceptGzip {
		h.Set("Accept-Encoding", "gzip")
	}
	switch {
	case cfg.hasAuth:
		h.Set("Authorization", basicAuth(cfg.user, cfg.password))
	case ep.user != nil:
		pw, _ := ep.user.Password()
		h.Set("Authorization", basicAuth(ep.user.Username(), pw))
	}
	c.tmpl = &http.Request{
		Method:     http.MethodPost,
		URL:        ep.url,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     h,
		Host:       ep.url.Host,
	}
	gz := *c.tmpl
	gz.Header = h.Clone()
	gz.Header.Set("Content-Encoding", "gzip")
	c.tmplGzip = &gz
	return c, nil
}

// URL returns the server's URL as given to New, with any password redacted.
func (c *Client) URL() string { return c.ep.redacted }

// Call calls method with args and decodes the result into reply, a non-nil pointer, or
// discards it when reply is nil.
//
// A fault answered by the server is returned as an *xmlrpc.Fault. Any other failure is one of
// this package's error types, each with NotSent, Timeout and StatusCode methods: a
// *TransportError (connecting, writing, reading, deadlines), a *StatusError (an HTTP answer other
// than 200) or a *ResponseError (an answer that is not a valid response, or does not fit reply).
// Arguments that cannot be encoded, or a reply that is not a non-nil pointer, give the codec's
// error, wrapped, and nothing is sent.
//
// The context bounds the whole call, connecting included, and cancelling it abandons the call.
// A server handler that calls another server with the ctx it was given passes its own deadline
// and cancellation on, so a chain of calls never outlives the first caller: when the first
// caller gives up, each hop's connection is closed and the next server cancels its handler.
//
// With WithJSONRPC, the call is a JSON-RPC request and an error object answered is a
// *jsonrpc.Error instead of a fault; everything else is the same.
func (c *Client) Call(ctx context.Context, method string, reply any, args ...any) error {
	if c.js != nil {
		return c.callJSON(ctx, method, reply, args, nil)
	}
	// Refuse an unusable reply before the call runs, not after.
	if err := checkReply(method, reply, invalidXMLReply); err != nil {
		return err
	}
	resp, err := c.send(ctx, method, args)
	if err != nil {
		return err
	}
	defer putBuf(resp)
	return c.decodeResponse(method, *resp, reply)
}

// CallRaw calls method with args like Call, but returns the server's 200 answer undecoded: a
// <methodResponse> document, which may hold a fault (with WithJSONRPC, a JSON-RPC response, which
// may hold an error object). Failures to get that far are returned as by
// Call. It suits debugging tools and proxies; harp call --xml prints its result.
func (c *Client) CallRaw(ctx context.Context, method string, args ...any) ([]byte, error) {
	resp, err := c.send(ctx, method, args)
	if err != nil {
		return nil, err
	}
	defer putBuf(resp)
	return append([]byte(nil), *resp...), nil
}

func invalidXMLReply(t reflect.Type) error { return &xmlrpc.InvalidUnmarshalError{Type: t} }

// send encodes the call in the client's protocol and exchanges it, returning the 200 answer's body
// in a pooled buffer.
func (c *Client) send(ctx context.Context, method string, args []any) (*[]byte, error) {
	if c.js != nil {
		id := c.js.nextID()
		return c.sendWith(ctx, method, func(dst []byte) ([]byte, error) {
			return c.js.enc.AppendRequest(dst, id, method, args...)
		})
	}
	return c.sendWith(ctx, method, func(dst []byte) ([]byte, error) {
		return c.enc.AppendCall(dst, method, args...)
	})
}

// sendWith encodes a request with encode, appending to a pooled buffer, and exchanges it.
func (c *Client) sendWith(ctx context.Context, method string, encode func(dst []byte) ([]byte, error)) (*[]byte, error) {
	if ctx == nil {
		return nil, ErrNilContext
	}
	req := getBuf()
	b, err := encode((*req)[:0])
	if err != nil {
		putBuf(req)
		return nil, fmt.Errorf("client: %s: encoding call: %w", method, err)
	}
	*req = b
	return c.exchange(ctx, method, req)
}

// decodeResponse decodes a 200 answer into reply, telling faults from bad responses.
func (c *Client) decodeResponse(method string, body []byte, reply any) error {
	err := c.dec.UnmarshalResponse(body, reply)
	if err == nil {
		return nil
	}
	var f *xmlrpc.Fault
	if errors.As(err, &f) {
		return f
	}
	var inv *xmlrpc.InvalidUnmarshalError
	if errors.As(err, &inv) {
		return fmt.Errorf("client: %s: %w", method, err)
	}
	return newResponseError(method, c.ep.redacted, body, err)
}

// Close closes the client's idle connections, and the busy ones as calls in flight finish.
// Calls made after Close fail with ErrClosed (wrapped in a *TransportError, not sent). Close is
// idempotent and always returns nil.
func (c *Client) Close() error {
	if !c.closed.Swap(true) {
		c.closeIdle()
	}
	return nil
}

func (c *Client) closeIdle() {
	if c.owned != nil {
		c.owned.CloseIdleConnections()
	}
}

// exchange posts the encoded request in *reqBuf (which it releases) and returns the body of a
// 200 answer in a pooled buffer the caller must release with putBuf.
func (c *Client) exchange(ctx context.Context, method string, reqBuf *[]byte) (*[]byte, error) {
	c.inflight.Add(1)
	defer func() {
		if c.inflight.Add(-1) == 0 && c.closed.Load() {
			c.closeIdle()
		}
	}()
	if c.closed.Load() {
		putBuf(reqBuf)
		return nil, &TransportError{Method: method, URL: c.ep.redacted, Op: "connect", Err: ErrClosed}
	}
	if c.timeout > 0 {
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > c.timeout {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, c.timeout)
			defer cancel()
		}
	}
	if err := ctx.Err(); err != nil {
		putBuf(reqBuf)
		return nil, newTransportError(ctx, method, c.ep.redacted, "connect", false, err)
	}

	tmpl := c.tmpl
	if c.gzipRequests && len(*reqBuf) > c.gzipThreshold {
		z, err := gzipBuf(*reqBuf)
		putBuf(reqBuf)
		if err != nil {
			return nil, fmt.Errorf("client: %s: compressing request: %w", method, err)
		}
		reqBuf, tmpl = z, c.tmplGzip
	}
	st := &callState{buf: reqBuf}
	st.refs.Store(2) // this function, and the first body reader
	st.body = bodyReader{st: st, b: *reqBuf}
	st.trace = httptrace.ClientTrace{GotConn: st.gotConn}
	req := tmpl.WithContext(httptrace.WithClientTrace(ctx, &st.trace))
	req.Body = &st.body
	req.GetBody = st.getBody
	req.ContentLength = int64(len(*reqBuf))

	resp, err := c.rt.RoundTrip(req)
	st.release() // RoundTrip has returned: no more GetBody
	if err != nil {
		op, sent := st.op(), st.sent()
		switch {
		case tlsHandshakeRejected(err):
			op, sent = "connect", false
		case c.owned == nil && !sent && !isDialError(err):
			// A transport of the caller's may not report connections to httptrace: only a
			// failed dial proves the request was not sent.
			op, sent = "read", true
		}
		return nil, newTransportError(ctx, method, c.ep.redacted, op, sent, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && (c.js == nil || resp.StatusCode != http.StatusNoContent) {
		// JSON-RPC answers notifications with 204 No Content: an empty body.
		return nil, statusError(method, c.ep.redacted, resp)
	}
	body, err := readBody(resp, c.maxSize)
	if err != nil {
		if isBadEncoding(err) {
			return nil, &ResponseError{Method: method, URL: c.ep.redacted, Offset: -1, Err: err}
		}
		return nil, newTransportError(ctx, method, c.ep.redacted, "read", true, err)
	}
	return body, nil
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
}

// gotConn records the connection an attempt uses. The transport may make several attempts
// (it retries on a fresh connection when a reused one failed before anything was written).
func (st *callState) gotConn(info httptrace.GotConnInfo) {
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
