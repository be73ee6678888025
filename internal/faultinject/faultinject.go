// Package faultinject runs real loopback HTTP backends that inject faults around a wrapped
// http.Handler, switchable at run time: refuse connections (listener closed), reset them, accept
// and never answer, answer slowly, answer 500 or 503, answer garbage. Each backend counts the
// requests it received and the times the wrapped handler actually ran, so tests can prove that a
// call was executed at most once.
package faultinject

import (
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Fault is a backend's behaviour.
type Fault int32

// Faults. Only None and Slow run the wrapped handler.
const (
	// None passes every request to the handler.
	None Fault = iota
	// Refuse closes the listener and every open connection, like a killed process: new
	// connections are refused until the fault is switched off, when the backend listens again on
	// the same address.
	Refuse
	// Reset accepts connections and resets them at once (SO_LINGER 0) without reading.
	Reset
	// ResetAfterRead reads each request whole, then resets the connection without answering.
	ResetAfterRead
	// Hang reads each request and never answers, until the fault changes or the backend closes;
	// then the connection is dropped without an answer.
	Hang
	// Slow waits the backend's delay, then runs the handler.
	Slow
	// Status500 answers 500 Internal Server Error without running the handler.
	Status500
	// Status503 answers 503 Service Unavailable without running the handler.
	Status503
	// Garbage answers 200 OK with a body that is not an RPC answer, without running the handler.
	Garbage
	// Blackhole accepts connections and never reads from them, like a frozen process, until the
	// fault changes (then they are closed) or the backend closes.
	Blackhole
)

var faultNames = [...]string{"none", "refuse", "reset", "reset-after-read", "hang", "slow", "500", "503", "garbage", "blackhole"}

// String returns the fault's name, e.g. "reset-after-read".
func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// ErrClosed reports an operation on a closed Backend.
var ErrClosed = errors.New("faultinject: backend closed")

// Backend is an HTTP server on 127.0.0.1 wrapping a handler with switchable faults. It is safe
// for concurrent use.
type Backend struct {
	h     http.Handler
	addr  string
	srv   *http.Server
	fault atomic.Int32
	delay atomic.Int64

	requests   atomic.Int64
	executions atomic.Int64

	mu      sync.Mutex
	ln      net.Listener // nil while refusing
	conns   map[net.Conn]struct{}
	held    []net.Conn    // connections swallowed by Blackhole
	release chan struct{} // closed to end hanging requests
	closed  bool
	serving sync.WaitGroup
}

// New starts a backend for h on a free loopback port, without faults.
func New(h http.Handler) (*Backend, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &Backend{h: h, addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}, release: make(chan struct{})}
	b.srv = &http.Server{
		Handler:   http.HandlerFunc(b.serve),
		ConnState: b.connState,
		ErrorLog:  log.New(io.Discard, "", 0),
	}
	b.mu.Lock()
	b.startLocked(ln)
	b.mu.Unlock()
	return b, nil
}

func (b *Backend) startLocked(ln net.Listener) {
	b.ln = ln
	b.serving.Add(1)
	go func() {
		defer b.serving.Done()
		b.srv.Serve(&resetListener{Listener: ln, b: b})
	}()
}

// URL returns the backend's base URL, "http://127.0.0.1:port".
func (b *Backend) URL() string { return "http://" + b.addr }

// Addr returns the backend's host:port.
func (b *Backend) Addr() string { return b.addr }

// Requests returns the number of HTTP requests the backend read (any fault but Refuse and Reset).
func (b *Backend) Requests() int64 { return b.requests.Load() }

// Executions returns the number of times the wrapped handler ran.
func (b *Backend) Executions() int64 { return b.executions.Load() }

// Fault returns the current fault.
func (b *Backend) Fault() Fault { return Fault(b.fault.Load()) }

// SetDelay sets the wait of the Slow fault.
func (b *Backend) SetDelay(d time.Duration) { b.delay.Store(int64(d)) }

// Set switches the backend to fault f. Leaving Hang releases hanging requests; entering Refuse
// closes the listener and every connection; leaving it listens again on the same address.
func (b *Backend) Set(f Fault) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	old := Fault(b.fault.Swap(int32(f)))
	if old == f {
		return nil
	}
	close(b.release)
	b.release = make(chan struct{})
	b.dropHeldLocked()
	if f == Refuse {
		b.ln.Close()
		b.ln = nil
		for c := range b.conns {
			c.Close()
		}
		return nil
	}
	if old == Refuse {
		ln, err := net.Listen("tcp", b.addr)
		if err != nil {
			b.fault.Store(int32(old))
			return err
		}
		b.startLocked(ln)
	}
	return nil
}

// Close stops the backend, dropping every connection and hanging request.
func (b *Backend) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	close(b.release)
	b.dropHeldLocked()
	b.mu.Unlock()
	err := b.srv.Close()
	b.serving.Wait()
	return err
}

func (b *Backend) dropHeldLocked() {
	for _, c := range b.held {
		c.Close()
	}
	b.held = nil
}

func (b *Backend) connState(c net.Conn, s http.ConnState) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch s {
	case http.StateNew:
		b.conns[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(b.conns, c)
	}
}

// resetListener resets connections at once while the fault is Reset and holds them unread
// while it is Blackhole.
type resetListener struct {
	net.Listener
	b *Backend
}

func (l *resetListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		switch Fault(l.b.fault.Load()) {
		case Reset:
			resetConn(c)
		case Blackhole:
			l.b.mu.Lock()
			if l.b.closed || Fault(l.b.fault.Load()) != Blackhole {
				c.Close()
			} else {
				l.b.held = append(l.b.held, c)
			}
			l.b.mu.Unlock()
		default:
			return c, nil
		}
	}
}

// resetConn closes c with SO_LINGER 0, so the peer gets a RST.
func resetConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

func (b *Backend) serve(w http.ResponseWriter, r *http.Request) {
	b.requests.Add(1)
	switch f := b.Fault(); f {
	case None:
	case Slow:
		t := time.NewTimer(time.Duration(b.delay.Load()))
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	case Status500, Status503:
		io.Copy(io.Discard, r.Body)
		code := http.StatusInternalServerError
		if f == Status503 {
			code = http.StatusServiceUnavailable
		}
		http.Error(w, http.StatusText(code), code)
		return
	case Garbage:
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, "<html><body>\x00\xffthis is not an answer")
		return
	case ResetAfterRead:
		io.Copy(io.Discard, r.Body)
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				resetConn(c)
				return
			}
		}
		panic(http.ErrAbortHandler)
	default: // Hang, or Refuse/Reset on a connection accepted before the switch
		io.Copy(io.Discard, r.Body)
		b.mu.Lock()
		rel := b.release
		b.mu.Unlock()
		if f == Hang && b.Fault() == Hang {
			select {
			case <-rel:
			case <-r.Context().Done():
			}
		}
		panic(http.ErrAbortHandler) // drop the connection without an answer
	}
	b.executions.Add(1)
	b.h.ServeHTTP(w, r)
}
