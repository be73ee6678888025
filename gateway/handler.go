package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/internal/budget"
	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// Handler returns the http.Handler that serves calls: mount it on any mux, or let Serve run it
// on the configured listeners.
func (g *Gateway) Handler() http.Handler { return http.HandlerFunc(g.serveHTTP) }

// exchange is one request as the gateway handles it.
type exchange struct {
	g     *Gateway
	w     http.ResponseWriter
	r     *http.Request
	s     *state
	proto string
	body  []byte
	start time.Time
	route string // for the observer and the log
	pool  string
	meth  string
	out   Outcome
	id    string
	split bool                // a split multicall or batch: its parts were observed one by one
	res   *budget.Reservation // what the request holds of the memory budget
	mem   budget.Reservation  // what res points to under serveHTTP
	sr    stallReader         // the body's reader
}

var callPool = sync.Pool{New: func() any { return new(xmlrpc.Call) }}

func (g *Gateway) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "gateway: XML-RPC and JSON-RPC calls are POSTed", http.StatusMethodNotAllowed)
		return
	}
	s := g.acquire()
	defer s.refs.Add(-1)
	if !s.serves(r.URL.Path) {
		http.NotFound(w, r)
		return
	}
	x := &exchange{g: g, w: w, r: r, s: s, start: time.Now(), mem: g.reservation(r)}
	x.res = &x.mem
	defer x.mem.Release()
	buf, err := x.sr.readBody(w, r, s.cfg.Limits, x.res, g.peers)
	if err != nil {
		var be *bodyError
		if errors.As(err, &be) {
			be.write(w)
		}
		return
	}
	defer putBuf(buf)
	x.body = *buf
	x.proto = pickProtocol(r.Header.Get("Content-Type"), x.body)
	switch x.proto {
	case "xmlrpc":
		x.serveXML()
	case "jsonrpc":
		x.serveJSON()
	default:
		http.Error(w, "gateway: want an XML-RPC (text/xml) or JSON-RPC (application/json) body", http.StatusUnsupportedMediaType)
		return
	}
	x.finish()
}

// pickProtocol chooses the protocol of a body as server does: by media type, and for a missing
// or generic one by the first byte that is not space; "" for neither.
func pickProtocol(ct string, body []byte) string {
	switch rpc.MediaType(ct) {
	case "text/xml", "application/xml":
		return "xmlrpc"
	case "application/json", "application/json-rpc", "application/jsonrequest":
		return "jsonrpc"
	case "", "application/octet-stream", "text/plain", "application/x-www-form-urlencoded":
		for _, c := range body {
			switch c {
			case ' ', '\t', '\r', '\n', 0xEF, 0xBB, 0xBF:
				continue
			case '<':
				return "xmlrpc"
			case '{', '[':
				return "jsonrpc"
			}
			return ""
		}
	}
	return ""
}

func (x *exchange) serveXML() {
	c := callPool.Get().(*xmlrpc.Call)
	defer callPool.Put(c)
	lim := x.s.cfg.Limits
	opts := xmlrpc.DecodeOptions{MaxDepth: lim.MaxDepth, MaxSize: lim.MaxBodySize}
	if err := opts.DecodeCallTo(c, x.body); err != nil {
		x.refuse(gatewayError{status: http.StatusOK, code: rpc.CodeParseError, msg: "gateway: " + err.Error()}, nil, false)
		return
	}
	x.meth = c.Method
	if c.Method == rpc.MethodMulticall {
		x.multicall(c)
		return
	}
	if introspective(c.Method) && x.s.introspectionSpansPools(x.r.URL.Path, x.proto, c.Method) {
		x.introspect(c)
		return
	}
	rt := x.s.route(x.r.URL.Path, x.proto, c.Method)
	if rt == nil {
		x.noRoute(c.Method, nil, false)
		return
	}
	if bridged(rt.pool, x.proto) {
		x.bridgeXML(rt, c)
		return
	}
	x.forward(rt, c.Method, rt.pool.key(c.Method), false, nil, false)
}

func (x *exchange) serveJSON() {
	lim := x.s.cfg.Limits
	opts := jsonrpc.DecodeOptions{MaxDepth: lim.MaxDepth, MaxSize: lim.MaxBodySize, MaxBatch: lim.MaxBatch, MaxValues: lim.MaxValues}
	reqs, batch, err := opts.DecodeRequests(x.body)
	if err != nil {
		x.refuse(gatewayError{status: http.StatusOK, code: jsonrpc.ErrorCode(err), msg: "gateway: " + err.Error()}, nil, false)
		return
	}
	if batch {
		x.meth = "batch"
		x.batch(reqs)
		return
	}
	req := &reqs[0]
	x.meth = req.Method
	ids := []jsonrpc.ID{req.ID}
	if req.Err != nil {
		x.out = OutcomeRefused
		x.writeBody(http.StatusOK, jsonType, new(jsonrpc.EncodeOptions).AppendError(nil, req, req.Err))
		return
	}
	if introspective(req.Method) && x.s.introspectionSpansPools(x.r.URL.Path, x.proto, req.Method) {
		x.introspectJSON(req)
		return
	}
	rt := x.s.route(x.r.URL.Path, x.proto, req.Method)
	if rt == nil {
		x.noRoute(req.Method, ids, false)
		return
	}
	if bridged(rt.pool, x.proto) {
		x.bridgeJSON(rt, req)
		return
	}
	x.forward(rt, req.Method, rt.pool.key(req.Method), req.IsNotification(), ids, false)
}

func (x *exchange) noRoute(method string, ids []jsonrpc.ID, batch bool) {
	x.refuse(gatewayError{status: http.StatusOK, code: CodeNoRoute, msg: fmt.Sprintf("gateway: no route for method %q", method)}, ids, batch)
}

// refuse answers e itself: the request is not forwarded.
func (x *exchange) refuse(e gatewayError, ids []jsonrpc.ID, batch bool) {
	x.out = OutcomeRefused
	writeError(x.w, x.proto, e, ids, batch)
}

// forward sends the body to the route's pool and writes the answer back. key is the name the
// cluster configures the call by; ids are the JSON-RPC ids answered when the gateway must answer
// itself.
func (x *exchange) forward(rt *route, method, key string, notification bool, ids []jsonrpc.ID, batch bool) {
	p := rt.pool
	x.route, x.pool = rt.name, p.name
	if !p.acquire() {
		x.out = OutcomeOverload
		writeError(x.w, x.proto, overloadError(p), ids, batch)
		return
	}
	ctx, cancel := x.context(method, p)
	defer cancel()
	buf := getBuf()
	defer putBuf(buf)
	req := rpc.Request{Protocol: x.proto, Method: key, Body: x.body, Notification: notification}
	out, err := p.cluster.RoundTrip(ctx, &req, (*buf)[:0])
	// The call is in flight until its answer is back: written to a slow reader, the answer is
	// held by the memory budget and the write stall timeout, not by the pool's slots.
	p.release()
	*buf = out[:0]
	if err != nil {
		e := failure(ctx, p.name, method, err)
		x.out = OutcomeError
		if e.status == http.StatusGatewayTimeout {
			x.out = OutcomeTimeout
		}
		writeError(x.w, x.proto, e, ids, batch)
		return
	}
	x.out = OutcomeOK
	if len(out) == 0 {
		x.w.WriteHeader(http.StatusNoContent)
		return
	}
	if isFault(x.proto, out) {
		x.out = OutcomeFault
	}
	ct := xmlType
	if x.proto == "jsonrpc" {
		ct = jsonType
	}
	x.writeBody(http.StatusOK, ct, out)
}

func overloadError(p *pool) gatewayError {
	return gatewayError{
		status: http.StatusServiceUnavailable, code: CodeOverload, retryAfter: p.cfg.RetryAfter,
		msg: fmt.Sprintf("gateway: pool %s is overloaded: %d calls in flight; retry later", p.name, p.cfg.MaxInFlight),
	}
}

// failure maps a cluster error to the gateway's answer: 504 for a deadline, 503 when no backend
// was reached (the call provably did not run), 502 naming the cause otherwise.
func failure(ctx context.Context, pool, method string, err error) gatewayError {
	err = describe(err)
	switch cluster.Classify(ctx, err) {
	case cluster.OutcomeTimeout, cluster.OutcomeCancelled:
		return gatewayError{status: http.StatusGatewayTimeout, code: CodeTimeout,
			msg: fmt.Sprintf("gateway: pool %s: %s: no answer within the deadline: %v", pool, method, err)}
	case cluster.OutcomeNotSent:
		return gatewayError{status: http.StatusServiceUnavailable, code: CodeUnavailable, retryAfter: time.Second,
			msg: fmt.Sprintf("gateway: pool %s: %s: not sent, no backend available: %v", pool, method, err)}
	}
	if errors.Is(err, cluster.ErrNoEndpoints) {
		return gatewayError{status: http.StatusServiceUnavailable, code: CodeUnavailable, retryAfter: time.Second,
			msg: fmt.Sprintf("gateway: pool %s: %s: no backend available: %v", pool, method, err)}
	}
	return gatewayError{status: http.StatusBadGateway, code: CodeBadGateway,
		msg: fmt.Sprintf("gateway: pool %s: %s: backend failed: %v", pool, method, err)}
}

// describe adds to a cluster's error the list of its attempts (backend, outcome, duration),
// which the last attempt's error alone does not tell.
func describe(err error) error {
	var ce *cluster.CallError
	if !errors.As(err, &ce) || len(ce.Attempts) < 2 {
		return err
	}
	var b strings.Builder
	for i, a := range ce.Attempts {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s in %v", a.URL, a.Outcome, a.Duration.Round(time.Millisecond))
	}
	return fmt.Errorf("%w [attempts: %s]", err, b.String())
}

// context returns the call's context: the caller's deadline (Harp-Timeout) bounded by the call
// timeout, its request id (or a fresh one, sent back in X-Request-Id), and the hash key of method
// for hashing policies. It is called once per request, before any goroutine of a split starts.
// It ends at its deadline only, not with the caller's connection: a call whose caller went away
// runs on to its answer or its deadline. The call timeout's deadline is shared by the calls of a
// few milliseconds (cluster.DeadlineContext: no timer per call); a caller's own is exact.
func (x *exchange) context(method string, p *pool) (context.Context, context.CancelFunc) {
	d, caller := x.s.cfg.Limits.CallTimeout, false
	if h := x.r.Header.Get(rpc.TimeoutHeader); h != "" {
		if t, err := rpc.ParseTimeout(h); err == nil && t < d {
			d, caller = t, true
		}
	}
	x.id = x.r.Header.Get(rpc.RequestIDHeader)
	if !rpc.ValidRequestID(x.id) {
		x.id = x.g.requestID()
	}
	x.w.Header().Set(rpc.RequestIDHeader, x.id)
	ctx := rpc.WithRequestID(x.r.Context(), x.id)
	if p != nil {
		ctx = p.hashCtx(ctx, method)
	}
	if caller { // exact: what is passed on is never more than the caller has left
		return context.WithTimeout(context.WithoutCancel(ctx), d)
	}
	return cluster.DeadlineContext(ctx, d)
}

// writeBody writes an answer, held in the memory budget with the request's body while it is
// written (see writeAnswer for slow readers). An answer the budget cannot hold now is replaced
// by a fault (an error object with a null id over JSON-RPC) saying that the call ran.
func (x *exchange) writeBody(status int, ct string, body []byte) {
	if x.res != nil && !x.res.Resize(int64(len(x.body)+len(body))) {
		x.out = OutcomeOverload
		writeError(x.w, x.proto, answerRefused(len(body)), nil, false)
		return
	}
	h := x.w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	x.w.WriteHeader(status)
	writeAnswer(x.w, x.r, body, &x.s.cfg.Limits, x.start)
}

// finish tells the observer and writes the access log.
func (x *exchange) finish() {
	if o := x.g.opts.Observer; o != nil && x.out != "" && !x.split {
		o.ObserveCall(&CallInfo{Route: x.route, Pool: x.pool, Method: x.meth, Protocol: x.proto, Outcome: x.out, Duration: time.Since(x.start)})
	}
	if x.g.opts.AccessLog {
		x.g.log.Info("gateway: call", "method", x.meth, "proto", x.proto, "route", x.route, "pool", x.pool,
			"outcome", string(x.out), "duration", time.Since(x.start), "request_id", x.id, "remote", x.r.RemoteAddr)
	}
}
