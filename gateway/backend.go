package gateway

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/harp-rpc/harp/rpc"
)

// backendTransport is the gateway's HTTP/1.1 client to one backend: an rpc.Transport that runs
// each exchange on the caller's goroutine over a kept-alive connection of its own pool, with no
// goroutine per connection (net/http's client keeps two, and their hand-offs cost the gateway
// more than all its own work; see the package doc). It knows exactly what it wrote, so its errors
// say structurally whether a request may have reached the backend.
type backendTransport struct {
	url     string // for errors, password redacted
	network string // "tcp" or "unix"
	addr    string
	head    []byte // "POST /path HTTP/1.1\r\nHost: h\r\n" and the fixed headers
	tls     *tls.Config
	maxBody int64
	dialTO  time.Duration
	idle    chan *bconn
	closed  atomic.Bool
}

// bconn is one kept-alive connection.
type bconn struct {
	c     net.Conn
	br    *bufio.Reader
	peek  peeker // alive's, made once per connection
	abort func() // fails the reads and writes in progress; made once per connection
}

func newBconn(c net.Conn) *bconn {
	return &bconn{c: c, br: bufio.NewReaderSize(c, 4096), abort: func() { c.SetDeadline(time.Unix(1, 0)) }}
}

const maxIdlePerBackend = 256

// newBackendTransport parses an http, https or unix URL (user info as Basic credentials; a unix
// socket's calls go to /RPC2).
func newBackendTransport(raw string, maxBody int64) (*backendTransport, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("gateway: backend %q: %w", raw, err)
	}
	t := &backendTransport{maxBody: maxBody, dialTO: 2 * time.Second, idle: make(chan *bconn, maxIdlePerBackend)}
	path, host := u.EscapedPath(), u.Host
	switch u.Scheme {
	case "http", "https":
		t.network, t.addr = "tcp", u.Host
		if u.Port() == "" {
			t.addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
		}
		if u.Scheme == "https" {
			t.tls = &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
		}
	case "unix":
		t.network, t.addr, path, host = "unix", u.Path, "/RPC2", "localhost"
	default:
		return nil, fmt.Errorf("gateway: backend %q: want http, https or unix", raw)
	}
	if path == "" {
		path = "/RPC2"
	}
	head := "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: harp-gateway/1\r\n"
	if u.User != nil {
		pw, _ := u.User.Password()
		head += "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pw)) + "\r\n"
	}
	t.head = []byte(head)
	r := *u
	if r.User != nil {
		r.User = url.User(r.User.Username())
	}
	t.url = r.String()
	return t, nil
}

// BackendError is a failed exchange with a backend. NotSent reports that the request provably
// never reached it (the connection could not be made, or no byte of the request was written,
// or the backend answered 503 as harp servers refuse before running anything); Timeout that the
// deadline ended it; StatusCode the HTTP status of an answer other than 200.
type BackendError struct {
	URL    string
	Op     string // "connect", "write", "read" or "status"
	Err    error
	Status int
	sent   bool
	tmo    bool
}

// Error returns "gateway: backend URL: op: [HTTP status: ]cause", noting a request not sent.
func (e *BackendError) Error() string {
	s := "gateway: backend " + e.URL + ": " + e.Op
	if e.Status != 0 {
		s += ": HTTP " + strconv.Itoa(e.Status)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if !e.sent {
		s += " (request not sent)"
	}
	return s
}

// Unwrap returns the underlying error.
func (e *BackendError) Unwrap() error { return e.Err }

// NotSent reports that the request never reached the backend.
func (e *BackendError) NotSent() bool { return !e.sent || e.Status == 503 }

// Timeout reports that the deadline ended the exchange.
func (e *BackendError) Timeout() bool { return e.tmo }

// StatusCode returns the HTTP status of a non-200 answer, 0 otherwise.
func (e *BackendError) StatusCode() int { return e.Status }

var errClosed = errors.New("transport closed")

func (t *backendTransport) fail(ctx context.Context, op string, sent bool, err error) *BackendError {
	if ce := ctx.Err(); ce != nil && (isTimeout(err) || errors.Is(err, ce)) {
		err = ce
	}
	return &BackendError{URL: t.url, Op: op, Err: err, sent: sent, tmo: isTimeout(err) || errors.Is(err, context.DeadlineExceeded)}
}

// RoundTrip posts req's body and appends a 200 answer's body (or nothing, for a 204 or an
// answered notification) to dst.
func (t *backendTransport) RoundTrip(ctx context.Context, req *rpc.Request, dst []byte) ([]byte, error) {
	if t.closed.Load() {
		return dst, &BackendError{URL: t.url, Op: "connect", Err: errClosed}
	}
	if err := ctx.Err(); err != nil {
		return dst, t.fail(ctx, "connect", false, err)
	}
	bc, reused, err := t.conn(ctx)
	if err != nil {
		return dst, t.fail(ctx, "connect", false, err)
	}
	dl, hasDL := ctx.Deadline()
	if hasDL {
		bc.c.SetDeadline(dl)
	} else {
		bc.c.SetDeadline(time.Time{})
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, bc.abort)
		defer stop()
	}
	buf := getBuf()
	defer putBuf(buf)
	*buf = t.appendHead((*buf)[:0], ctx, req, dl, hasDL)
	*buf = append(*buf, req.Body...)
	n, err := bc.c.Write(*buf)
	if err != nil {
		bc.c.Close()
		return dst, t.fail(ctx, "write", n > 0, err)
	}
	_ = reused
	out, keep, err := t.readAnswer(ctx, bc, req, dst)
	if lerr := rpc.Late(ctx); err == nil && lerr != nil {
		// an answer read after the deadline is the caller's timeout, not the answer (rpc.Late)
		err = t.fail(ctx, "read", true, lerr)
		out = out[:len(dst)]
	}
	if keep && err == nil && !t.closed.Load() {
		select {
		case t.idle <- bc:
		default:
			bc.c.Close()
		}
	} else {
		bc.c.Close()
	}
	return out, err
}

func (t *backendTransport) appendHead(b []byte, ctx context.Context, req *rpc.Request, dl time.Time, hasDL bool) []byte {
	b = append(b, t.head...)
	if req.Protocol == "jsonrpc" {
		b = append(b, "Content-Type: application/json\r\n"...)
	} else {
		b = append(b, "Content-Type: text/xml\r\n"...)
	}
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, int64(len(req.Body)), 10)
	b = append(b, "\r\n"...)
	if hasDL {
		b = append(b, rpc.TimeoutHeader+": "...)
		b = rpc.AppendTimeout(b, time.Until(dl))
		b = append(b, "\r\n"...)
	}
	if id := rpc.RequestID(ctx); id != "" && rpc.ValidRequestID(id) {
		b = append(b, rpc.RequestIDHeader+": "...)
		b = append(b, id...)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}

// conn returns an idle connection that is still open, or dials a new one.
func (t *backendTransport) conn(ctx context.Context) (*bconn, bool, error) {
	for {
		select {
		case bc := <-t.idle:
			if alive(bc) {
				return bc, true, nil
			}
			bc.c.Close()
			continue
		default:
		}
		break
	}
	d := net.Dialer{Timeout: t.dialTO}
	c, err := d.DialContext(ctx, t.network, t.addr)
	if err != nil {
		return nil, false, err
	}
	if t.tls != nil {
		tc := tls.Client(c, t.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, false, err
		}
		c = tc
	}
	return newBconn(c), false, nil
}

// readAnswer reads one HTTP/1.x response: status line, headers, and a body framed by
// Content-Length, chunked encoding or the connection's end. keep reports that the connection
// may carry another request.
func (t *backendTransport) readAnswer(ctx context.Context, bc *bconn, req *rpc.Request, dst []byte) ([]byte, bool, error) {
	br := bc.br
	line, err := readLine(br)
	if err != nil {
		return dst, false, t.fail(ctx, "read", true, err)
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return dst, false, t.fail(ctx, "read", true, fmt.Errorf("malformed status line %q", trunc(line)))
	}
	keep := line[7] == '1'
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return dst, false, t.fail(ctx, "read", true, fmt.Errorf("malformed status line %q", trunc(line)))
	}
	length, chunked := int64(-1), false
	for n := 0; ; n++ {
		h, err := readLine(br)
		if err != nil {
			return dst, false, t.fail(ctx, "read", true, err)
		}
		if len(h) == 0 {
			break
		}
		if n > 100 {
			return dst, false, t.fail(ctx, "read", true, errors.New("too many header lines"))
		}
		k, v, ok := bytes.Cut(h, []byte{':'})
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch {
		case asciiEqual(k, "content-length"):
			if length, err = strconv.ParseInt(string(v), 10, 64); err != nil || length < 0 {
				return dst, false, t.fail(ctx, "read", true, fmt.Errorf("bad Content-Length %q", trunc(v)))
			}
		case asciiEqual(k, "transfer-encoding"):
			chunked = asciiEqual(v, "chunked")
		case asciiEqual(k, "connection"):
			if asciiEqual(v, "close") {
				keep = false
			} else if asciiEqual(v, "keep-alive") {
				keep = true
			}
		}
	}
	if length > t.maxBody {
		return dst, false, t.fail(ctx, "read", true, fmt.Errorf("answer of %d bytes, over the limit of %d", length, t.maxBody))
	}
	start := len(dst)
	switch {
	case status == 204 || status == 304:
	case chunked:
		dst, err = readChunked(br, dst, t.maxBody)
	case length >= 0:
		dst, err = readN(br, dst, length)
	default:
		keep = false
		dst, err = readAll(br, dst, t.maxBody)
	}
	if err != nil {
		return dst[:start], false, t.fail(ctx, "read", true, err)
	}
	if status != 200 && !(status == 204 && req.Protocol == "jsonrpc") {
		return dst[:start], keep, &BackendError{URL: t.url, Op: "status", Status: status, sent: true}
	}
	return dst, keep, nil
}

func trunc(b []byte) string {
	if len(b) > 40 {
		b = b[:40]
	}
	return string(b)
}

func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, errors.New("header line too long")
	}
	if err != nil {
		if err == io.EOF && len(line) == 0 {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

func asciiEqual(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

func readN(br *bufio.Reader, dst []byte, n int64) ([]byte, error) {
	start := len(dst)
	dst = grow(dst, int(n))
	_, err := io.ReadFull(br, dst[start:start+int(n)])
	return dst[:start+int(n)], err
}

func grow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), len(b)+n)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}

func readAll(br *bufio.Reader, dst []byte, max int64) ([]byte, error) {
	start := len(dst)
	for {
		if int64(len(dst)-start) > max {
			return dst, fmt.Errorf("answer over the limit of %d bytes", max)
		}
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := br.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

func readChunked(br *bufio.Reader, dst []byte, max int64) ([]byte, error) {
	start := len(dst)
	for {
		line, err := readLine(br)
		if err != nil {
			return dst, err
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || n < 0 {
			return dst, fmt.Errorf("bad chunk size %q", trunc(line))
		}
		if n == 0 {
			for { // trailers, up to the blank line
				l, err := readLine(br)
				if err != nil {
					return dst, err
				}
				if len(l) == 0 {
					return dst, nil
				}
			}
		}
		if int64(len(dst)-start)+n > max {
			return dst, fmt.Errorf("answer over the limit of %d bytes", max)
		}
		if dst, err = readN(br, dst, n); err != nil {
			return dst, err
		}
		if l, err := readLine(br); err != nil || len(l) != 0 {
			return dst, fmt.Errorf("bad chunk end")
		}
	}
}

// Close closes the idle connections and refuses further exchanges; busy ones close as they end.
func (t *backendTransport) Close() error {
	if t.closed.Swap(true) {
		return nil
	}
	for {
		select {
		case bc := <-t.idle:
			bc.c.Close()
		default:
			return nil
		}
	}
}
