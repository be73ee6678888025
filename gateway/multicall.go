package gateway

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// mcEntry is one call of a system.multicall, its parameters kept encoded.
type mcEntry struct {
	MethodName string            `xmlrpc:"methodName"`
	Params     []xmlrpc.RawValue `xmlrpc:"params"`
}

// part is the share of a split multicall or batch that one pool serves: the indexes of its
// entries in the caller's order.
type part struct {
	rt  *route
	idx []int
}

// group routes each method, returning the parts in order of first appearance and, for each
// entry, whether a route took it.
func (x *exchange) group(methods []string) (parts []*part, routed []bool) {
	byRoute := map[*route]*part{}
	routed = make([]bool, len(methods))
	for i, m := range methods {
		if m == "" || m == rpc.MethodMulticall {
			continue
		}
		rt := x.s.route(x.r.URL.Path, x.proto, m)
		if rt == nil {
			continue
		}
		routed[i] = true
		pt, ok := byRoute[rt]
		if !ok {
			pt = &part{rt: rt}
			byRoute[rt] = pt
			parts = append(parts, pt)
		}
		pt.idx = append(pt.idx, i)
	}
	return parts, routed
}

// multiKey returns the name the cluster configures a multicall (or batch) of methods by: the
// first method's idempotent pattern when every method is idempotent in the pool, else whole.
func multiKey(p *pool, methods []string, whole string) string {
	for _, m := range methods {
		if !p.isIdempotent(m) {
			return whole
		}
	}
	if len(methods) == 0 {
		return whole
	}
	return p.key(methods[0])
}

// multicall serves an XML-RPC system.multicall: forwarded whole when one route takes every
// call, otherwise split by pool, each part sent as a multicall (or as single calls to pools
// whose backends lack it), and the answers put back in the caller's order.
func (x *exchange) multicall(c *xmlrpc.Call) {
	var entries []mcEntry
	if c.NumParams() != 1 || c.DecodeParam(0, &entries) != nil {
		x.refuse(gatewayError{status: http.StatusOK, code: rpc.CodeInvalidParams,
			msg: "gateway: system.multicall wants one array of {methodName, params} structs"}, nil, false)
		return
	}
	if len(entries) > x.s.cfg.Limits.MaxBatch {
		x.refuse(gatewayError{status: http.StatusOK, code: rpc.CodeInvalidRequest,
			msg: fmt.Sprintf("gateway: system.multicall of %d calls, over the limit of %d", len(entries), x.s.cfg.Limits.MaxBatch)}, nil, false)
		return
	}
	methods := make([]string, len(entries))
	for i, e := range entries {
		methods[i] = e.MethodName
	}
	parts, routed := x.group(methods)
	if len(parts) == 1 && len(parts[0].idx) == len(entries) && !bridged(parts[0].rt.pool, x.proto) {
		p := parts[0].rt.pool
		x.forward(parts[0].rt, rpc.MethodMulticall, multiKey(p, methods, rpc.MethodMulticall), false, nil, false)
		return
	}
	results := make([]any, len(entries))
	for i, ok := range routed {
		if !ok {
			results[i] = faultStruct(CodeNoRoute, fmt.Sprintf("gateway: no route for method %q", methods[i]))
		}
	}
	ctx, cancel := x.context(rpc.MethodMulticall, nil)
	defer cancel()
	x.split, x.out = true, OutcomeOK
	var wg sync.WaitGroup
	for _, pt := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x.multicallPart(pt.rt.pool.hashCtx(ctx, methods[pt.idx[0]]), pt, entries, methods, results)
		}()
	}
	wg.Wait()
	body, err := xmlrpc.MarshalResponse(results)
	if err != nil {
		x.refuse(gatewayError{status: http.StatusOK, code: rpc.CodeInternalError, msg: "gateway: " + err.Error()}, nil, false)
		return
	}
	x.writeBody(http.StatusOK, xmlType, body)
}

func faultStruct(code int, msg string) map[string]any {
	return map[string]any{"faultCode": code, "faultString": msg}
}

// multicallPart sends one pool's share of a split multicall and stores each answer (a one-value
// array or a fault struct) at its entry's index.
func (x *exchange) multicallPart(ctx context.Context, pt *part, entries []mcEntry, methods []string, results []any) {
	p := pt.rt.pool
	start := x.start
	fail := func(e gatewayError) {
		for _, i := range pt.idx {
			results[i] = faultStruct(e.code, e.msg)
		}
	}
	outcome := OutcomeOK
	defer func() { x.observePart(pt.rt, rpc.MethodMulticall, outcome, start) }()
	if !p.acquire() {
		outcome = OutcomeOverload
		fail(overloadError(p))
		return
	}
	defer p.release()
	if bridged(p, x.proto) {
		outcome = x.bridgeMulticallPart(ctx, p, pt, entries, results)
		return
	}
	if p.cfg.Multicall != nil && !*p.cfg.Multicall {
		for _, i := range pt.idx {
			results[i], outcome = x.single(ctx, p, entries[i])
		}
		return
	}
	sub := make([]mcEntry, len(pt.idx))
	subMethods := make([]string, len(pt.idx))
	for j, i := range pt.idx {
		sub[j], subMethods[j] = entries[i], methods[i]
	}
	body, err := xmlrpc.MarshalCall(rpc.MethodMulticall, sub)
	if err != nil {
		outcome = OutcomeRefused
		fail(gatewayError{code: rpc.CodeInternalError, msg: "gateway: " + err.Error()})
		return
	}
	req := rpc.Request{Protocol: "xmlrpc", Method: multiKey(p, subMethods, rpc.MethodMulticall), Body: body}
	out, err := p.cluster.RoundTrip(ctx, &req, nil)
	if err != nil {
		e := failure(ctx, p.name, rpc.MethodMulticall, err)
		outcome = OutcomeError
		fail(e)
		return
	}
	var answers []xmlrpc.RawValue
	if err := (xmlrpc.DecodeOptions{MaxDepth: x.s.cfg.Limits.MaxDepth}).UnmarshalResponse(out, &answers); err != nil {
		if f, ok := err.(*xmlrpc.Fault); ok {
			outcome = OutcomeFault
			fail(gatewayError{code: f.Code, msg: f.String})
			return
		}
		outcome = OutcomeError
		fail(gatewayError{code: CodeBadGateway, msg: fmt.Sprintf("gateway: pool %s: bad system.multicall answer: %v", p.name, err)})
		return
	}
	if len(answers) != len(pt.idx) {
		outcome = OutcomeError
		fail(gatewayError{code: CodeBadGateway, msg: fmt.Sprintf("gateway: pool %s: system.multicall answered %d results for %d calls", p.name, len(answers), len(pt.idx))})
		return
	}
	for j, i := range pt.idx {
		results[i] = answers[j]
	}
}

// single sends one multicall entry as a plain call and returns its multicall answer: its value
// in a one-element array, or a fault struct.
func (x *exchange) single(ctx context.Context, p *pool, e mcEntry) (any, Outcome) {
	args := make([]any, len(e.Params))
	for i, v := range e.Params {
		args[i] = v
	}
	body, err := xmlrpc.MarshalCall(e.MethodName, args...)
	if err != nil {
		return faultStruct(rpc.CodeInternalError, "gateway: "+err.Error()), OutcomeRefused
	}
	req := rpc.Request{Protocol: "xmlrpc", Method: p.key(e.MethodName), Body: body}
	out, err := p.cluster.RoundTrip(ctx, &req, nil)
	if err != nil {
		f := failure(ctx, p.name, e.MethodName, err)
		return faultStruct(f.code, f.msg), OutcomeError
	}
	var v xmlrpc.RawValue
	if err := (xmlrpc.DecodeOptions{MaxDepth: x.s.cfg.Limits.MaxDepth}).UnmarshalResponse(out, &v); err != nil {
		if f, ok := err.(*xmlrpc.Fault); ok {
			return faultStruct(f.Code, f.String), OutcomeFault
		}
		return faultStruct(CodeBadGateway, fmt.Sprintf("gateway: pool %s: bad answer: %v", p.name, err)), OutcomeError
	}
	return []xmlrpc.RawValue{v}, OutcomeOK
}

// observePart tells the observer of one pool's share of a split multicall or batch.
func (x *exchange) observePart(rt *route, method string, out Outcome, start time.Time) {
	if o := x.g.opts.Observer; o != nil {
		o.ObserveCall(&CallInfo{Route: rt.name, Pool: rt.pool.name, Method: method, Protocol: x.proto, Outcome: out, Duration: time.Since(start)})
	}
}
