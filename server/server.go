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

// Server serves a registry's methods over HTTP. It is an http.Handler; Serve and ListenAndServe
// run it on their own http.Server with the configured timeouts. A Server is safe for concurrent
// use.
type Server struct {
	cfg      Config
	reg      *rpc.Registry
	routes   map[string][]protocol // the protocols each listed path serves
	wildcard []protocol            // what every other path serves: nil (404) unless Paths is "*"
	protos   []protocol            // every protocol, XML-RPC first
	handler  http.Handler          // the core wrapped in Config.Middleware
	log      *slog.Logger
	inflight atomic.Int64
	retry    []string // Retry-After value
	wwwAuth  []string // WWW-Authenticate value
	docs     docCache

	mu    sync.Mutex
	https map[*http.Server]struct{} // servers started by Serve, for Shutdown
}

// New returns a server for reg configured by cfg (nil means DefaultConfig()). It returns an error
// wrapping ErrInvalidConfig if VerifyConfig refuses cfg.
func New(reg *rpc.Registry, cfg *Config) (*Server, error) {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	if err := VerifyConfig(cfg); err != nil {
		return nil, err
	}
	if reg == nil {
		return nil, fmt.Errorf("%w: nil registry", ErrInvalidConfig)
	}
	s := &Server{cfg: *cfg, reg: reg, log: cfg.Logger, https: make(map[*http.Server]struct{})}
	s.cfg.Paths = append([]string(nil), cfg.Paths...)
	s.cfg.XMLRPCPaths = append([]string(nil), cfg.XMLRPCPaths...)
	s.cfg.JSONRPCPaths = append([]string(nil), cfg.JSONRPCPaths...)
	s.cfg.Middleware = append([]Middleware(nil), cfg.Middleware...)
	if s.log == nil {
		s.log = slog.Default()
	}
	xml, json := newXMLProtocol(reg, &s.cfg), newJSONProtocol(reg, &s.cfg)
	s.protos = []protocol{xml, json}
	s.routes = make(map[string][]protocol)
	for _, p := range s.cfg.Paths {
		if p == "*" {
			s.wildcard = s.protos
		} else {
			s.routes[p] = s.protos
		}
	}
	for _, p := range s.cfg.XMLRPCPaths {
		s.routes[p] = s.protos[:1]
	}
	for _, p := range s.cfg.JSONRPCPaths {
		s.routes[p] = s.protos[1:]
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

// Registry returns the registry the server serves.
func (s *Server) Registry() *rpc.Registry { return s.reg }

// InFlight returns the number of calls being served now.
func (s *Server) InFlight() int { return int(s.inflight.Load()) }

// ServeHTTP serves one request: a call (POST), the documentation page (GET, HEAD), or a refusal.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

func (s *Server) serveCore(w http.ResponseWriter, r *http.Request) {
	protos, ok := s.routes[r.URL.Path]
	if !ok {
		protos = s.wildcard
	}
	if protos == nil {
		httpError(w, http.StatusNotFound, "not found: the RPC paths are "+s.allPaths())
		return
	}
	if s.cfg.BasicAuth != nil && !s.authorized(r) {
		w.Header()["Www-Authenticate"] = s.wwwAuth
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "server: unauthorized", slog.String("remote", r.RemoteAddr))
		httpError(w, http.StatusUnauthorized, "unauthorized")
		return
	}
	switch r.Method {
	case http.MethodPost:
		s.serveCall(w, r, protos)
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

func (s *Server) serveCall(w http.ResponseWriter, r *http.Request, protos []protocol) {
	if s.cfg.MaxInFlight > 0 {
		n := s.inflight.Add(1)
		defer s.inflight.Add(-1)
		if n > int64(s.cfg.MaxInFlight) {
			w.Header()["Retry-After"] = s.retry
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "server: too many calls in flight",
				slog.String("remote", r.RemoteAddr), slog.Int("limit", s.cfg.MaxInFlight))
			httpError(w, http.StatusServiceUnavailable, "server busy: too many calls in flight")
			return
		}
	} else {
		s.inflight.Add(1)
		defer s.inflight.Add(-1)
	}
	debug := s.log.Enabled(r.Context(), slog.LevelDebug)
	var start time.Time
	if debug {
		start = time.Now()
	}
	st := getState()
	abandoned := false
	defer func() {
		if !abandoned { // an abandoned handler may still use the buffers: leave them to the GC
			putState(st)
		}
	}()
	body, err := s.readBody(w, r, st)
	if err != nil {
		be := err.(*bodyError)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "server: request refused", slog.String("remote", r.RemoteAddr),
			slog.Int("status", be.status), slog.String("reason", be.msg))
		if be.status == http.StatusRequestEntityTooLarge || be.status == http.StatusRequestTimeout {
			w.Header()["Connection"] = closeHeader
		}
		httpError(w, be.status, be.msg)
		return
	}
	p := pickProtocol(protos, r.Header, body)
	resp, info, ok := s.run(r.Context(), p, body, st.out)
	abandoned = !ok
	if ok {
		st.out = resp[:0]
	}
	if debug {
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "server: call", slog.String("protocol", p.name()),
			slog.String("method", info.method), slog.Int("fault", info.code),
			slog.Duration("duration", time.Since(start)), slog.String("remote", r.RemoteAddr))
	}
	if len(resp) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.writeResponse(w, r, p.contentType(), resp)
}

var closeHeader = []string{"close"}

// abandonGrace is how long a call past its deadline may still answer before it is abandoned.
const abandonGrace = 20 * time.Millisecond

// run serves the body with p. With a CallTimeout, the call runs in its own goroutine and is
// abandoned (ok false) if it has not answered by its deadline; the answer is then a timeout fault,
// and the abandoned call keeps counting as in flight until its handler returns.
func (s *Server) run(ctx context.Context, p protocol, body, dst []byte) (resp []byte, info callInfo, ok bool) {
	if s.cfg.CallTimeout <= 0 {
		resp, info = p.serve(ctx, body, dst)
		return resp, info, true
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	type result struct {
		resp []byte
		info callInfo
	}
	const (
		running = iota
		finished
		abandoned
	)
	var state atomic.Int32
	done := make(chan result, 1)
	go func() {
		resp, info := p.serve(ctx, body, dst)
		if !state.CompareAndSwap(running, finished) {
			s.inflight.Add(-1) // the count taken for it when it was abandoned
			return
		}
		done <- result{resp, info}
	}()
	select {
	case res := <-done:
		return res.resp, res.info, true
	case <-ctx.Done():
		// A handler that honours its context answers at once: give it that moment.
		grace := time.NewTimer(abandonGrace)
		defer grace.Stop()
		select {
		case res := <-done:
			return res.resp, res.info, true
		case <-grace.C:
		}
		s.inflight.Add(1)
		if !state.CompareAndSwap(running, abandoned) { // it answered just in time
			s.inflight.Add(-1)
			res := <-done
			return res.resp, res.info, true
		}
		s.log.LogAttrs(ctx, slog.LevelWarn, "server: call abandoned at its deadline",
			slog.Duration("timeout", s.cfg.CallTimeout))
		msg := "internal error: the call did not finish within " + s.cfg.CallTimeout.String()
		if errors.Is(ctx.Err(), context.Canceled) {
			msg = "internal error: the call was cancelled"
		}
		code := rpc.CodeInternalError
		return p.fault(nil, code, msg), callInfo{code: code}, false
	}
}
