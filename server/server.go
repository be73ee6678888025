package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harp-rpc/harp/rpc"
)

// Server serves a Dispatcher's methods (usually an *rpc.Registry's) over HTTP: the HTTP adapter
// over the serving core, rpc.Server, which does the decoding, dispatching, encoding, limits and
// call timeout. It is an http.Handler; Serve and ListenAndServe run it on their own http.Server
// with the configured timeouts. A Server is safe for concurrent use.
type Server struct {
	cfg      Config
	core     *rpc.Server
	d        rpc.Dispatcher
	routes   map[string][]codec // the codecs each listed path serves
	wildcard []codec            // what every other path serves: nil (404) unless Paths is "*"
	codecs   []codec            // every codec, XML-RPC first
	handler  http.Handler       // the core wrapped in Config.Middleware
	log      *slog.Logger
	inflight atomic.Int64
	budget   *budget
	peers    *peers
	reclaims atomic.Int64 // times memory was given back to the OS after a burst
	refused  atomic.Int64 // connections closed as soon as accepted
	retry    []string     // Retry-After value
	wwwAuth  []string     // WWW-Authenticate value
	docs     docCache

	fastOff bool // Serve leaves every connection to net/http (see fastConns), for tests
	custom  bool // made by NewHandler: the handler is not the RPC core

	mu    sync.Mutex
	https map[*http.Server]*fastConns // servers started by Serve and their fast connections, for Shutdown
}

// codec is a serving codec with its Content-Type header value, made once.
type codec struct {
	rpc.ServerCodec
	contentType []string
}

// New returns a server for d, an *rpc.Registry or any other rpc.Dispatcher (a forwarder, a
// catch-all), configured by cfg (nil means DefaultConfig()). It returns an error wrapping
// ErrInvalidConfig if VerifyConfig refuses cfg.
func New(d rpc.Dispatcher, cfg *Config) (*Server, error) {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	if err := VerifyConfig(cfg); err != nil {
		return nil, err
	}
	if d == nil {
		return nil, fmt.Errorf("%w: nil registry", ErrInvalidConfig)
	}
	if r, ok := d.(*rpc.Registry); ok && r == nil {
		return nil, fmt.Errorf("%w: nil registry", ErrInvalidConfig)
	}
	s := &Server{cfg: *cfg, d: d, log: cfg.Logger, https: make(map[*http.Server]*fastConns),
		budget: newBudget(cfg.MemoryBudget, cfg.PeerShare), peers: newPeers(cfg)}
	s.cfg.Paths = append([]string(nil), cfg.Paths...)
	s.cfg.XMLRPCPaths = append([]string(nil), cfg.XMLRPCPaths...)
	s.cfg.JSONRPCPaths = append([]string(nil), cfg.JSONRPCPaths...)
	s.cfg.Middleware = append([]Middleware(nil), cfg.Middleware...)
	if s.log == nil {
		s.log = slog.Default()
	}
	core, err := rpc.NewServer(d, &rpc.ServerConfig{
		MaxBodySize: cfg.MaxBodySize, MaxDepth: cfg.MaxDepth, MaxBatch: cfg.MaxBatch, MaxValues: cfg.MaxValues,
		Dialect: cfg.Dialect, StrictXML: cfg.StrictXML, SecondDigits: cfg.SecondDigits, LargeIntsAsStrings: cfg.LargeIntsAsStrings, CallTimeout: cfg.CallTimeout, Logger: s.log,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	s.core = core
	for _, c := range core.Codecs() {
		s.codecs = append(s.codecs, codec{c, []string{c.ContentType()}})
	}
	s.routes = make(map[string][]codec)
	for _, p := range s.cfg.Paths {
		if p == "*" {
			s.wildcard = s.codecs
		} else {
			s.routes[p] = s.codecs
		}
	}
	for _, p := range s.cfg.XMLRPCPaths {
		s.routes[p] = s.only("xmlrpc")
	}
	for _, p := range s.cfg.JSONRPCPaths {
		s.routes[p] = s.only("jsonrpc")
	}
	secs := (cfg.RetryAfter + time.Second - 1) / time.Second
	s.retry = []string{strconv.FormatInt(int64(secs), 10)}
	s.wwwAuth = []string{`Basic realm=` + strconv.Quote(cfg.Realm) + `, charset="UTF-8"`}
	var h http.Handler = http.HandlerFunc(s.serveCore)
	for i := len(s.cfg.Middleware) - 1; i >= 0; i-- {
		h = s.cfg.Middleware[i](h)
	}
	s.handler = h
	return s, nil
}

// NewHandler returns a server that serves h, any http.Handler, in place of an RPC core: Serve
// gives h's connections all it gives an RPC server's (the fast connections, the watchdog, the
// connection limits, the first byte's wait, a graceful shutdown), and h does the rest. Of cfg
// (nil means DefaultConfig()), the settings that apply to Serve apply, with MaxConns, MaxBodies,
// PeerShare, Logger and Middleware; those of calls and bodies (paths, sizes, timeouts of the
// call and the body, the budget, authentication, documentation, the Observer) are h's to keep.
// InFlight and MemoryUsed count nothing of h's: its calls are its own to count. A gateway or a
// proxy serves its listeners with it.
func NewHandler(h http.Handler, cfg *Config) (*Server, error) {
	if h == nil {
		return nil, fmt.Errorf("%w: nil handler", ErrInvalidConfig)
	}
	s, err := New(noCore, cfg)
	if err != nil {
		return nil, err
	}
	for i := len(s.cfg.Middleware) - 1; i >= 0; i-- {
		h = s.cfg.Middleware[i](h)
	}
	s.handler, s.custom = h, true
	return s, nil
}

// noCore is the Dispatcher of a NewHandler server, whose handler never reaches it.
var noCore = rpc.DispatcherFunc(func(context.Context, *rpc.Protocol, string, rpc.Params) (any, error) {
	return nil, errors.New("server: no RPC core behind this handler")
})

// only returns the codec named name alone.
func (s *Server) only(name string) []codec {
	for _, c := range s.codecs {
		if c.Name() == name {
			return []codec{c}
		}
	}
	panic("server: no codec " + name) // the core always has both
}

// Registry returns the registry the server serves, or nil when its Dispatcher is not one.
func (s *Server) Registry() *rpc.Registry {
	r, _ := s.d.(*rpc.Registry)
	return r
}

// Dispatcher returns the Dispatcher the server serves.
func (s *Server) Dispatcher() rpc.Dispatcher { return s.d }

// Core returns the transport-neutral serving core the server adapts to HTTP.
func (s *Server) Core() *rpc.Server { return s.core }

// InFlight returns the number of calls being served now, abandoned ones still running included.
// A call counts once its request body is read.
func (s *Server) InFlight() int { return int(s.inflight.Load() + s.core.Abandoned()) }

// MemoryUsed returns the bytes of Config.MemoryBudget reserved now.
func (s *Server) MemoryUsed() int64 { return s.budget.Used() }

// RefusedConns returns how many connections Serve closed as soon as it accepted them, for being
// over Config.MaxConns or their peer's share of it.
func (s *Server) RefusedConns() int64 { return s.refused.Load() }

// ServeHTTP serves one request: a call (POST), the documentation page (GET, HEAD), or a refusal.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

func (s *Server) serveCore(w http.ResponseWriter, r *http.Request) {
	codecs, ok := s.routes[r.URL.Path]
	if !ok {
		codecs = s.wildcard
	}
	if codecs == nil {
		httpError(w, http.StatusNotFound, "not found: the RPC paths are "+s.allPaths())
		return
	}
	if s.cfg.BasicAuth != nil && !s.authorized(r) {
		w.Header()["Www-Authenticate"] = s.wwwAuth
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "server: unauthorized", slog.String("remote", r.RemoteAddr))
		httpError(w, http.StatusUnauthorized, "unauthorized")
		s.observeUnauthorized(r, codecs)
		return
	}
	switch r.Method {
	case http.MethodPost:
		s.serveCall(w, r, codecs)
	case http.MethodGet, http.MethodHead:
		if s.cfg.DisableDocs {
			w.Header()["Allow"] = allowPost
			httpError(w, http.StatusMethodNotAllowed, "method not allowed: POST an RPC call")
			return
		}
		s.serveDocs(w, r)
	default:
		if s.cfg.DisableDocs {
			w.Header()["Allow"] = allowPost
		} else {
			w.Header()["Allow"] = allowAll
		}
		httpError(w, http.StatusMethodNotAllowed, "method not allowed: POST an RPC call")
	}
}

var (
	allowPost = []string{"POST"}
	allowAll  = []string{"GET, HEAD, POST"}
)

func joinPaths(ps []string) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += " "
		}
		s += p
	}
	return s
}

// allPaths lists every path served, for a 404 answer.
func (s *Server) allPaths() string {
	return joinPaths(append(append(append([]string(nil), s.cfg.Paths...), s.cfg.XMLRPCPaths...), s.cfg.JSONRPCPaths...))
}

func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	return ok && s.cfg.BasicAuth(user, pass)
}

// Users returns a Config.BasicAuth function accepting exactly the given user names and passwords,
// compared in constant time.
func Users(passwords map[string]string) func(user, password string) bool {
	m := make(map[string]string, len(passwords))
	for u, p := range passwords {
		m[u] = p
	}
	return func(user, password string) bool {
		want, ok := m[user]
		if !ok {
			want = password + "x" // same work for unknown users; never equal
		}
		return subtle.ConstantTimeCompare([]byte(want), []byte(password)) == 1 && ok
	}
}

func (s *Server) serveCall(w http.ResponseWriter, r *http.Request, codecs []codec) {
	ctx, cancel := callContext(r)
	if cancel != nil {
		defer cancel()
	}
	debug := s.log.Enabled(ctx, slog.LevelDebug)
	var start time.Duration // on monoClock
	if debug || s.cfg.Observer != nil {
		start = monoClock()
	}
	wc, own := r.Context().Value(ownServerKey{}).(*watchedConn)
	st := getState()
	st.res = reservation{Budget: s.budget}
	if wc != nil {
		st.res.Peer = wc.peer
	}
	abandoned := false
	defer func() {
		st.res.Release()
		if !abandoned { // an abandoned handler may still use the buffers: leave them to the GC
			putState(st)
		}
	}()
	body, err := s.readBody(w, r, st, own)
	// The values decoded from the body join what reading it holds (at least the body: a pooled
	// buffer's spare room is the pool's, not the request's).
	if need := max(st.res.Held(), int64(len(body))) + decodeFactor*int64(len(body)); err == nil && !st.res.Resize(need) {
		be := s.refusal(&st.res, need)
		s.refuse(ctx, w, r, be, false)
		s.observeRefusal(ctx, r, codecs, body, be.status, start)
		return
	}
	if err != nil {
		s.refuse(ctx, w, r, err.(*bodyError), true)
		s.observeRefusal(ctx, r, codecs, body, err.(*bodyError).status, start)
		return
	}
	// A call is in flight from its body's end until it has run: its answer, while written, is
	// held by the memory budget and the write stall timeout, so slow readers cannot fill the cap.
	n := s.inflight.Add(1)
	if s.cfg.MaxInFlight > 0 && n+s.core.Abandoned() > int64(s.cfg.MaxInFlight) {
		s.inflight.Add(-1)
		w.Header()["Retry-After"] = s.retry
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "server: too many calls in flight",
			slog.String("remote", r.RemoteAddr), slog.Int("limit", s.cfg.MaxInFlight))
		httpError(w, http.StatusServiceUnavailable, "server busy: too many calls in flight")
		s.observeRefusal(ctx, r, codecs, body, http.StatusServiceUnavailable, start)
		return
	}
	c := s.pick(codecs, r.Header, body)
	resp, sum, ok := s.core.Serve(ctx, c.ServerCodec, body, st.out)
	s.inflight.Add(-1)
	abandoned = !ok
	if ok {
		st.out = resp[:0]
		if cap(st.in) > maxPooled {
			st.in = st.in[:0:0] // the body is done with: let the GC have it while the answer goes
		}
	}
	if debug {
		s.log.LogAttrs(ctx, slog.LevelDebug, "server: call", slog.String("protocol", c.Name()),
			slog.String("method", sum.Method), slog.Int("fault", sum.Code),
			slog.Duration("duration", monoClock()-start), slog.String("remote", r.RemoteAddr),
			slog.String("request_id", rpc.RequestID(ctx)))
	}
	if len(resp) == 0 {
		w.WriteHeader(http.StatusNoContent)
		if s.cfg.Observer != nil {
			s.observeCall(ctx, r, c, sum, http.StatusNoContent, callOutcome(sum, ok, true), start)
		}
		return
	}
	fit := true
	if need := s.answerCost(r, resp, len(body), cap(st.in) > 0); !st.res.Resize(need) {
		// The call has run: not a 503, which tells clients it did not (client.StatusError.NotSent).
		s.log.LogAttrs(ctx, slog.LevelInfo, "server: answer refused", slog.String("remote", r.RemoteAddr),
			slog.String("method", sum.Method), slog.Int("bytes", len(resp)), slog.String("request_id", rpc.RequestID(ctx)))
		resp = c.AppendFault(nil, rpc.CodeInternalError, "server busy: the answer of "+strconv.Itoa(len(resp))+
			" bytes does not fit in the memory budget now; the call ran")
		fit = false
	}
	s.writeResponse(w, r, c.contentType, resp)
	if s.cfg.Observer != nil {
		s.observeCall(ctx, r, c, sum, http.StatusOK, callOutcome(sum, ok, fit), start)
	}
}

// answerCost is the bytes of the budget writing resp holds: the answer, the body of bodyLen
// bytes while it is still held, and a compressed copy when the answer is to be compressed.
func (s *Server) answerCost(r *http.Request, resp []byte, bodyLen int, bodyHeld bool) int64 {
	n := int64(len(resp))
	if bodyHeld {
		n += int64(bodyLen)
	}
	if s.cfg.GzipThreshold >= 0 && len(resp) > s.cfg.GzipThreshold && acceptsGzip(r.Header["Accept-Encoding"]) {
		n += int64(len(resp))
	}
	return n
}

// refusal is the answer to a request needing n bytes that res could not reserve: 413 when it
// could never fit, 503 (busy) when it could later.
func (s *Server) refusal(res *reservation, n int64) *bodyError {
	if !res.Fits(n) {
		return errOverBudget
	}
	return errBudgetFull
}

// refuse answers a request the server will not serve with be's status and reason, logged, with
// a Retry-After when the refusal is about the moment. A request refused while its body was
// being read (unread) closes its connection, since the rest of the body is not read.
func (s *Server) refuse(ctx context.Context, w http.ResponseWriter, r *http.Request, be *bodyError, unread bool) {
	s.log.LogAttrs(ctx, slog.LevelInfo, "server: request refused", slog.String("remote", r.RemoteAddr),
		slog.Int("status", be.status), slog.String("reason", be.msg), slog.String("request_id", rpc.RequestID(ctx)))
	if be.status == http.StatusServiceUnavailable {
		w.Header()["Retry-After"] = s.retry
	}
	if unread && be.status != http.StatusBadRequest && be.status != http.StatusUnsupportedMediaType {
		w.Header()["Connection"] = closeHeader
	}
	httpError(w, be.status, be.msg)
}

// pick returns the codec among cs a request with headers h and body is for.
func (s *Server) pick(cs []codec, h http.Header, body []byte) *codec {
	if len(cs) == 1 {
		return &cs[0]
	}
	var ct string
	if v := h["Content-Type"]; len(v) > 0 { // the key as net/http stores it: no canonicalising
		ct = v[0]
	}
	want := s.core.Pick(nil, ct, body)
	for i := range cs {
		if cs[i].ServerCodec == want {
			return &cs[i]
		}
	}
	return &cs[0]
}

var closeHeader = []string{"close"}
