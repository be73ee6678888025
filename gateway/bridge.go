package gateway

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// bridged reports whether calls in proto must be translated for p's backends: the pool declares
// a protocol, and it is not the caller's.
func bridged(p *pool, proto string) bool {
	return p.cfg.Protocol != "" && p.cfg.Protocol != proto
}

// bridgeXML serves an XML-RPC call from a JSON-RPC pool: the parameters are decoded into their
// natural Go values and sent as a JSON-RPC 2.0 request; the result comes back as an XML-RPC
// answer, an error object as a fault with its code and message. The values map as the codecs'
// natural types do (package doc).
func (x *exchange) bridgeXML(rt *route, c *xmlrpc.Call) {
	params, err := c.Params()
	if err != nil {
		x.refuse(gatewayError{status: http.StatusOK, code: rpc.CodeInvalidParams, msg: "gateway: " + err.Error()}, nil, false)
		return
	}
	body, err := new(jsonrpc.EncodeOptions).AppendRequest(nil, jsonrpc.IntID(1), c.Method, params...)
	if err != nil {
		x.refuse(gatewayError{status: http.StatusOK, code: rpc.CodeInvalidParams, msg: "gateway: bridging to JSON-RPC: " + err.Error()}, nil, false)
		return
	}
	out, ok := x.bridgeSend(rt, c.Method, "jsonrpc", body, nil)
	if !ok {
		return
	}
	var v any
	lim := x.s.cfg.Limits
	err = (jsonrpc.DecodeOptions{MaxDepth: lim.MaxDepth, MaxValues: lim.MaxValues}).UnmarshalResponse(out, &v)
	var je *jsonrpc.Error
	switch {
	case errors.As(err, &je):
		x.out = OutcomeFault
		body, _ = xmlrpc.MarshalFault(&xmlrpc.Fault{Code: je.Code, String: je.Message})
	case err != nil:
		x.bridgeBad(rt, err, nil)
		return
	default:
		if body, err = xmlrpc.MarshalResponse(v); err != nil {
			x.bridgeBad(rt, err, nil)
			return
		}
	}
	x.writeBody(http.StatusOK, xmlType, body)
}

// bridgeJSON serves a JSON-RPC request from an XML-RPC pool: positional params become the
// call's parameters, named params one struct; a fault comes back as an error object with its
// code and string. A notification is sent as a call whose answer is dropped.
func (x *exchange) bridgeJSON(rt *route, req *jsonrpc.Request) {
	ids := []jsonrpc.ID{req.ID}
	params, err := req.Params()
	if err != nil {
		x.refuse(gatewayError{status: http.StatusOK, code: rpc.CodeInvalidParams, msg: "gateway: " + err.Error()}, ids, false)
		return
	}
	body, err := xmlrpc.MarshalCall(req.Method, params...)
	if err != nil {
		x.refuse(gatewayError{status: http.StatusOK, code: rpc.CodeInvalidParams, msg: "gateway: bridging to XML-RPC: " + err.Error()}, ids, false)
		return
	}
	out, ok := x.bridgeSend(rt, req.Method, "xmlrpc", body, ids)
	if !ok {
		return
	}
	if req.IsNotification() {
		x.w.WriteHeader(http.StatusNoContent)
		return
	}
	var v any
	err = (xmlrpc.DecodeOptions{MaxDepth: x.s.cfg.Limits.MaxDepth}).UnmarshalResponse(out, &v)
	var f *xmlrpc.Fault
	var enc jsonrpc.EncodeOptions
	switch {
	case errors.As(err, &f):
		x.out = OutcomeFault
		body = enc.AppendError(nil, req, &jsonrpc.Error{Code: f.Code, Message: f.String})
	case err != nil:
		x.bridgeBad(rt, err, ids)
		return
	default:
		if body, err = enc.AppendResponse(nil, req, v); err != nil {
			x.bridgeBad(rt, err, ids)
			return
		}
	}
	x.writeBody(http.StatusOK, jsonType, body)
}

// bridgeSend sends a translated body to the route's pool, answering the caller itself (overload,
// failure) and returning false when there is no answer to translate.
func (x *exchange) bridgeSend(rt *route, method, proto string, body []byte, ids []jsonrpc.ID) ([]byte, bool) {
	p := rt.pool
	x.route, x.pool = rt.name, p.name
	if !p.acquire() {
		x.out = OutcomeOverload
		writeError(x.w, x.proto, overloadError(p), ids, false)
		return nil, false
	}
	defer p.release()
	ctx, cancel := x.context(method, p)
	defer cancel()
	req := rpc.Request{Protocol: proto, Method: p.key(method), Body: body}
	out, err := p.cluster.RoundTrip(ctx, &req, nil)
	if err != nil {
		e := failure(ctx, p.name, method, err)
		x.out = OutcomeError
		if e.status == http.StatusGatewayTimeout {
			x.out = OutcomeTimeout
		}
		writeError(x.w, x.proto, e, ids, false)
		return nil, false
	}
	x.out = OutcomeOK
	return out, true
}

func (x *exchange) bridgeBad(rt *route, err error, ids []jsonrpc.ID) {
	x.out = OutcomeError
	writeError(x.w, x.proto, gatewayError{status: http.StatusBadGateway, code: CodeBadGateway,
		msg: fmt.Sprintf("gateway: pool %s: answer cannot be bridged: %v", rt.pool.name, err)}, ids, false)
}
