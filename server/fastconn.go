package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harp-rpc/harp/internal/fastpath"
)

// fastConns serves the plain connections of one Serve itself while their requests are the plain
// RPC POSTs nearly every client sends, and hands a connection to net/http, with the bytes it has
// read, at its first request of any other kind. net/http's per-request work that a small call
// does not need (copying and sorting the answer's headers, a goroutine reading on while the
// handler runs, deadlines set and cleared) is a fifth of a small call's CPU; the handler, the
// limits and every answer are the same (see fastHead for what is taken, fastResponse for what is
// written, TestFastConnsAnswerAsNetHTTP and FuzzFastConns for the check).
//
// A request is served here when its head and body arrive whole within one read, or a second one
// soon after (a client that writes its headers and its body apart): at most fastRequestMax
// bytes. Anything else, a request trickling in included, goes to net/http with the connection,
// whose timeouts then apply from the start.
type fastConns struct {
	s       *Server
	base    context.Context
	hs      *http.Server
	wd      *watchdog
	handoff chan net.Conn // connections for net/http, through handoffListener
	mu      sync.Mutex
	conns   map[*fastConn]struct{}
	closing atomic.Bool
	stop    chan struct{} // closed once a shutdown begins
	served  atomic.Int64  // requests served here, for tests
}

// useFastConns reports whether Serve serves plain connections through fastConns: with the fast
// paths on, without TLS (net/http then speaks HTTP/2 as well) and without middleware (which may
// want net/http's own ResponseWriter).
func (s *Server) useFastConns() bool {
	return fastpath.Enabled && !s.fastOff && s.cfg.TLSConfig == nil && len(s.cfg.Middleware) == 0
}

// fastRequestMax is the largest request, head and body, fastConn serves itself.
const fastRequestMax = 4096

// fastBodyWait is how long fastConn waits for the rest of a request whose head came without all
// of its body before it hands the connection to net/http.
const fastBodyWait = 50 * time.Millisecond

const (
	fastIdle int32 = iota
	fastActive
	fastClosed
)

// fastConn is one connection fastConns serves.
type fastConn struct {
	f          *fastConns
	wc         *watchedConn
	ctx        context.Context
	cancel     context.CancelFunc
	remote     string
	state      atomic.Int32
	in         []byte      // bytes read and not yet served
	head       []byte      // an answer's head (and small body) being written
	hdr        http.Header // the answers' header map, reused
	strs       headStrings // what parsing the requests' heads reuses
	tmpl, req  *http.Request
	url        url.URL
	closeAfter bool // the answer ends the connection
	requests   int  // requests served
	body       fastBody
	w          fastResponse
}

var fastInPool = sync.Pool{New: func() any { b := make([]byte, 0, fastRequestMax); return &b }}

func newFastConns(s *Server, base context.Context, hs *http.Server, wd *watchdog) *fastConns {
	return &fastConns{s: s, base: base, hs: hs, wd: wd, handoff: make(chan net.Conn),
		conns: make(map[*fastConn]struct{}), stop: make(chan struct{})}
}

// start serves wc in a goroutine of its own.
func (f *fastConns) start(wc *watchedConn) {
	c := &fastConn{f: f, wc: wc, remote: wc.RemoteAddr().String()}
	f.mu.Lock()
	if f.closing.Load() {
		f.mu.Unlock()
		_ = wc.Close()
		return
	}
	f.conns[c] = struct{}{}
	f.mu.Unlock()
	go c.serve()
}

func (f *fastConns) isClosing() bool { return f.closing.Load() }

// serve answers the connection's requests until it closes or goes to net/http.
func (c *fastConn) serve() {
	f := c.f
	ctx := context.WithValue(f.base, http.ServerContextKey, f.hs)
	ctx = context.WithValue(ctx, http.LocalAddrContextKey, c.wc.LocalAddr())
	if cc := f.s.cfg.ConnContext; cc != nil {
		ctx = cc(ctx, c.wc.Conn)
	}
	ctx, c.cancel = context.WithCancel(context.WithValue(ctx, ownServerKey{}, c.wc))
	c.ctx = ctx
	c.wc.expire.Store(&c.cancel)
	// Every request starts as a copy of tmpl, which carries the connection's context: the
	// handler neither keeps its request nor is given another's.
	c.tmpl = (&http.Request{Method: http.MethodPost, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		RemoteAddr: c.remote}).WithContext(ctx)
	c.req = new(http.Request)
	buf := fastInPool.Get().(*[]byte)
	c.in = (*buf)[:0]
	handed := false
	defer func() {
		c.cancel()
		if !handed {
			_ = c.wc.Close()
			if f.wd != nil {
				f.wd.connState(c.wc, http.StateClosed)
			}
		}
		*buf = c.in[:0]
		fastInPool.Put(buf)
		f.mu.Lock()
		delete(f.conns, c)
		f.mu.Unlock()
	}()
	if f.wd != nil {
		f.wd.connState(c.wc, http.StateNew)
	}
	for {
		h, take, ok := c.next()
		if !ok {
			return
		}
		if !take { // not one fastConn takes: net/http answers it
			handed = c.handOff()
			return
		}
		if !c.serveOne(&h) {
			return
		}
		c.state.Store(fastIdle)
		if f.wd != nil {
			f.wd.connState(c.wc, http.StateIdle)
		}
		if f.closing.Load() {
			return
		}
	}
}

// next reads the next request; ok is false when the connection is done with (closed, idle past
// its time, or closed by a shutdown). A request fastConn does not take comes back with take
// false, its bytes in c.in.
func (c *fastConn) next() (h fastHead, take, ok bool) {
	raw := c.wc.Conn
	if len(c.in) == 0 {
		switch {
		case c.wc.fb.waiting.Load():
			_ = raw.SetReadDeadline(time.Now().Add(c.wc.fb.wait)) // the first byte's wait
		case c.requests == 0:
			// No idle timeout to wait for the first byte with: net/http's header timeout, from now.
			_ = raw.SetReadDeadline(time.Now().Add(c.f.s.cfg.ReadHeaderTimeout))
		}
		n, err := raw.Read(c.in[:cap(c.in)])
		if n == 0 {
			_ = err // closed, reset or idle too long: nothing was asked
			return h, false, false
		}
		c.in = c.in[:n]
		if c.requests == 0 {
			c.wc.fb.waiting.Store(false)
			_ = raw.SetReadDeadline(time.Time{})
		}
	}
	for c.requests > 0 && len(c.in) < 4 {
		// As net/http between requests, which peeks at 4 bytes: fewer before the end is no
		// request, and the connection closes without an answer.
		m, err := raw.Read(c.in[len(c.in):cap(c.in)])
		c.in = c.in[:len(c.in)+m]
		if err != nil && len(c.in) < 4 {
			return h, false, false
		}
	}
	if !c.state.CompareAndSwap(fastIdle, fastActive) {
		return h, false, false // a shutdown closed it while idle
	}
	if c.f.wd != nil {
		c.f.wd.connState(c.wc, http.StateActive)
	}
	h, complete, take := parseFastHead(c.in, &c.strs)
	if complete && take && (h.size+h.length > cap(c.in) || h.size > c.f.s.cfg.MaxHeaderBytes && c.f.s.cfg.MaxHeaderBytes > 0) {
		take = false // too large for the buffer, or a head net/http may refuse: its call
	}
	if complete && take && len(c.in) < h.size+h.length {
		complete = c.readRest(h.size + h.length)
	}
	return h, complete && take, true
}

// readRest waits at most fastBodyWait for the request to reach n bytes.
func (c *fastConn) readRest(n int) bool {
	raw := c.wc.Conn
	_ = raw.SetReadDeadline(time.Now().Add(fastBodyWait))
	defer raw.SetReadDeadline(time.Time{})
	for len(c.in) < n {
		m, err := raw.Read(c.in[len(c.in):cap(c.in)])
		c.in = c.in[:len(c.in)+m]
		if err != nil {
			return false
		}
	}
	return true
}

// handOff gives the connection, with the bytes read from it, to net/http; false when Serve is
// shutting down and it was closed instead.
func (c *fastConn) handOff() bool {
	c.wc.expire.Store(nil)
	c.wc.pending = append([]byte(nil), c.in...)
	select {
	case c.f.handoff <- c.wc:
		return true
	case <-c.f.stop:
		return false
	}
}

// serveOne runs the handler for the request h heads and writes its answer; it reports whether
// the connection may serve another.
func (c *fastConn) serveOne(h *fastHead) (again bool) {
	c.closeAfter = h.close
	c.body = fastBody{b: c.in[h.size : h.size+h.length]}
	r := c.req
	*r = *c.tmpl
	c.url = url.URL{Path: h.path}
	r.URL, r.Header, r.Host, r.RequestURI = &c.url, h.hdr, h.host, h.path
	r.ContentLength, r.Close, r.Body = int64(h.length), h.close, http.NoBody
	if h.length > 0 {
		r.Body = &c.body
	}
	c.w = fastResponse{c: c, body: c.w.body[:0], declare: -1}
	if !c.run(r) {
		return false
	}
	again = c.w.finish()
	c.requests++
	c.f.served.Add(1)
	if len(c.hdr) > 16 {
		c.hdr = nil // a handler that set many headers: do not keep them all
	} else {
		clear(c.hdr)
	}
	if cap(c.w.body) > fastBuffered {
		c.w.body = nil
	}
	if cap(c.head) > 2*fastBuffered {
		c.head = nil
	}
	rest := copy(c.in, c.in[h.size+h.length:]) // a pipelined request that came along
	c.in = c.in[:rest]
	return again
}

// run calls the handler, containing a panic as net/http does: logged (unless it is
// http.ErrAbortHandler), and the connection closed.
func (c *fastConn) run(r *http.Request) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			ok = false
			if p != http.ErrAbortHandler {
				stack := make([]byte, 64<<10)
				stack = stack[:runtime.Stack(stack, false)]
				c.f.s.log.LogAttrs(c.ctx, slog.LevelError, "server: panic serving "+c.remote,
					slog.String("panic", fmt.Sprint(p)), slog.String("stack", string(stack)))
			}
		}
	}()
	c.f.s.handler.ServeHTTP(&c.w, r)
	return true
}

// fastBody is the body of a request fastConn serves, held whole.
type fastBody struct {
	b   []byte
	off int
}

func (b *fastBody) Read(p []byte) (int, error) {
	if b.off >= len(b.b) {
		return 0, io.EOF
	}
	n := copy(p, b.b[b.off:])
	b.off += n
	if b.off >= len(b.b) {
		return n, io.EOF
	}
	return n, nil
}

func (b *fastBody) Close() error { return nil }

// beginClose marks the shutdown's start, once.
func (f *fastConns) beginClose() {
	if !f.closing.Swap(true) {
		close(f.stop)
	}
}

// shutdown stops serving: idle connections are closed now, the others after the answer they are
// writing, within ctx; those left at its end are closed too.
func (f *fastConns) shutdown(ctx context.Context) error {
	f.mu.Lock()
	f.beginClose()
	f.mu.Unlock()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		f.mu.Lock()
		for c := range f.conns {
			if c.state.CompareAndSwap(fastIdle, fastClosed) {
				_ = c.wc.Close()
			}
		}
		n := len(f.conns)
		f.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			f.close()
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// close closes every connection at once.
func (f *fastConns) close() {
	f.mu.Lock()
	f.beginClose()
	for c := range f.conns {
		c.state.Store(fastClosed)
		_ = c.wc.Close()
	}
	f.mu.Unlock()
}
