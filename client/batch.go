package client

import (
	"context"

	"github.com/harp-rpc/harp/rpc"
)

// Call is one call of a Batch or MultiCall: rpc.Call. After the batch returns nil, Err holds the
// call's own outcome: nil when its result was decoded into Reply (or discarded, when Reply is
// nil), an *xmlrpc.Fault (a *jsonrpc.Error in a JSON-RPC batch) when the server answered this call
// with one, or a *ResponseError when the result could not be decoded into Reply.
type Call = rpc.Call

// NewCall returns a Call of method with args, decoding into reply.
func NewCall(method string, reply any, args ...any) *Call {
	return rpc.NewCall(method, reply, args...)
}

// Batch sends calls together in one request and sets each call's Reply and Err, as MultiCall
// does. Over JSON-RPC it is one JSON-RPC batch, each call a request with its own id; over XML-RPC
// it is MultiCall. After Batch returns nil, each call's Err is nil when its result was decoded into
// Reply, a *jsonrpc.Error (an *xmlrpc.Fault over XML-RPC) when the server answered that call with
// an error, or a *ResponseError when the result did not fit Reply or the server left the call
// unanswered.
//
// The returned error concerns the batch as a whole, and each call's Err is then left unset: a
// transport failure, an error object answered to the whole batch (such as a batch over the
// server's size limit, CodeInvalidRequest), or an answer that is not a batch of responses. A
// server may run the calls of a JSON-RPC batch in any order, even concurrently; harp runs them in
// order.
func (c *Client) Batch(ctx context.Context, calls ...*rpc.Call) error {
	return c.core.Batch(ctx, calls...)
}

// MultiCall sends calls in one system.multicall request (the de-facto extension CPython,
// xmlrpc-c, Apache, supervisord and harp servers implement) and sets each call's Reply and Err.
// The returned error concerns the batch as a whole: a transport failure, a fault answered to the
// system.multicall call itself (such as method not found, from a server without it), or an answer
// that does not match the batch; each call's Err is then left unset. A server runs the calls in
// order, and a fault in one does not stop the others. supervisord's bare results (without the
// one-element array) are read as the results themselves.
func (c *Client) MultiCall(ctx context.Context, calls ...*rpc.Call) error {
	return c.core.MultiCall(ctx, calls...)
}
