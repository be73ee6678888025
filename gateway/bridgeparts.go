package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// A split batch or multicall whose part goes to a pool of the other protocol is bridged entry by
// entry: each entry is sent as a single call of the pool's protocol (a JSON-RPC batch has no
// XML-RPC form but system.multicall, which not every backend has, and the other way there is no
// batch a JSON-RPC backend must take), its answer translated as a single bridged call's is, and
// put at its place. The part's outcome is the worst of its entries'.

// outcomeRank orders outcomes from best to worst, for a part made of several calls.
var outcomeRank = map[Outcome]int{OutcomeOK: 0, OutcomeFault: 1, OutcomeRefused: 2, OutcomeOverload: 3, OutcomeTimeout: 4, OutcomeError: 5}

// worse returns the worse of a and b.
func worse(a, b Outcome) Outcome {
	if outcomeRank[b] > outcomeRank[a] {
		return b
	}
	return a
}

// sendBridged sends one translated call to p and returns its answer, or the gateway's error
// and the outcome it stands for.
func (x *exchange) sendBridged(ctx context.Context, p *pool, proto, method string, body []byte) ([]byte, *gatewayError, Outcome) {
	req := rpc.Request{Protocol: proto, Method: p.key(method), Body: body}
	out, err := p.cluster.RoundTrip(ctx, &req, nil)
	if err != nil {
		e := failure(ctx, p.name, method, err)
		if e.status == http.StatusGatewayTimeout {
			return nil, &e, OutcomeTimeout
		}
		return nil, &e, OutcomeError
	}
	return out, nil, OutcomeOK
}

// bridgeBatchPart serves the JSON-RPC entries of pt from p's XML-RPC backends, one call each.
func (x *exchange) bridgeBatchPart(ctx context.Context, p *pool, pt *part, reqs []jsonrpc.Request, answers [][]byte) Outcome {
	outcome := OutcomeOK
	for _, i := range pt.idx {
		a, oc := x.bridgeBatchEntry(ctx, p, &reqs[i])
		if !reqs[i].IsNotification() {
			answers[i] = a
		}
		outcome = worse(outcome, oc)
	}
	return outcome
}

// bridgeBatchEntry sends one JSON-RPC request as an XML-RPC call and returns its JSON-RPC
// response. A notification is sent as a call whose answer is dropped.
func (x *exchange) bridgeBatchEntry(ctx context.Context, p *pool, r *jsonrpc.Request) ([]byte, Outcome) {
	var enc jsonrpc.EncodeOptions
	fail := func(code int, msg string, oc Outcome) ([]byte, Outcome) {
		return enc.AppendError(nil, r, &jsonrpc.Error{Code: code, Message: msg}), oc
	}
	params, err := r.Params()
	if err != nil {
		return fail(rpc.CodeInvalidParams, "gateway: "+err.Error(), OutcomeRefused)
	}
	body, err := xmlrpc.MarshalCall(r.Method, params...)
	if err != nil {
		return fail(rpc.CodeInvalidParams, "gateway: bridging to XML-RPC: "+err.Error(), OutcomeRefused)
	}
	out, ge, oc := x.sendBridged(ctx, p, "xmlrpc", r.Method, body)
	if ge != nil {
		return fail(ge.code, ge.msg, oc)
	}
	var v any
	err = (xmlrpc.DecodeOptions{MaxDepth: x.s.cfg.Limits.MaxDepth}).UnmarshalResponse(out, &v)
	var f *xmlrpc.Fault
	switch {
	case errors.As(err, &f):
		return fail(f.Code, f.String, OutcomeFault)
	case err != nil:
		return fail(CodeBadGateway, fmt.Sprintf("gateway: pool %s: answer cannot be bridged: %v", p.name, err), OutcomeError)
	}
	a, err := enc.AppendResponse(nil, r, v)
	if err != nil {
		return fail(CodeBadGateway, fmt.Sprintf("gateway: pool %s: answer cannot be bridged: %v", p.name, err), OutcomeError)
	}
	return a, OutcomeOK
}

// bridgeMulticallPart serves the multicall entries of pt from p's JSON-RPC backends, one
// request each.
func (x *exchange) bridgeMulticallPart(ctx context.Context, p *pool, pt *part, entries []mcEntry, results []any) Outcome {
	outcome := OutcomeOK
	for _, i := range pt.idx {
		var oc Outcome
		results[i], oc = x.bridgeMulticallEntry(ctx, p, &entries[i])
		outcome = worse(outcome, oc)
	}
	return outcome
}

// bridgeMulticallEntry sends one multicall entry as a JSON-RPC request and returns its
// multicall answer: the result in a one-element array, or a fault struct.
func (x *exchange) bridgeMulticallEntry(ctx context.Context, p *pool, e *mcEntry) (any, Outcome) {
	lim := x.s.cfg.Limits
	dec := xmlrpc.DecodeOptions{MaxDepth: lim.MaxDepth}
	params := make([]any, len(e.Params))
	for i, raw := range e.Params {
		if err := dec.Unmarshal(raw, &params[i]); err != nil {
			return faultStruct(rpc.CodeInvalidParams, "gateway: "+err.Error()), OutcomeRefused
		}
	}
	body, err := new(jsonrpc.EncodeOptions).AppendRequest(nil, jsonrpc.IntID(1), e.MethodName, params...)
	if err != nil {
		return faultStruct(rpc.CodeInvalidParams, "gateway: bridging to JSON-RPC: "+err.Error()), OutcomeRefused
	}
	out, ge, oc := x.sendBridged(ctx, p, "jsonrpc", e.MethodName, body)
	if ge != nil {
		return faultStruct(ge.code, ge.msg), oc
	}
	var v any
	err = (jsonrpc.DecodeOptions{MaxDepth: lim.MaxDepth, MaxValues: lim.MaxValues}).UnmarshalResponse(out, &v)
	var je *jsonrpc.Error
	switch {
	case errors.As(err, &je):
		return faultStruct(je.Code, je.Message), OutcomeFault
	case err != nil:
		return faultStruct(CodeBadGateway, fmt.Sprintf("gateway: pool %s: answer cannot be bridged: %v", p.name, err)), OutcomeError
	}
	return []any{v}, OutcomeOK
}
