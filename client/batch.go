package client

import (
	"context"
	"errors"

	"github.com/harp-rpc/harp/jsonrpc"
)

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
func (c *Client) Batch(ctx context.Context, calls ...*Call) error {
	if c.js == nil {
		return c.MultiCall(ctx, calls...)
	}
	if len(calls) == 0 {
		return nil
	}
	reqs := make([]jsonrpc.Call, len(calls))
	ids := make([]jsonrpc.ID, len(calls))
	for i, call := range calls {
		if err := checkReply(call.Method, call.Reply, invalidJSONReply); err != nil {
			return err
		}
		ids[i] = c.js.nextID()
		reqs[i] = jsonrpc.Call{Method: call.Method, ID: ids[i], Params: call.Args}
	}
	const method = "batch"
	resp, err := c.sendWith(ctx, method, func(dst []byte) ([]byte, error) {
		return c.js.enc.AppendBatch(dst, reqs)
	})
	if err != nil {
		return c.jsonStatusError(err, jsonrpc.NullID())
	}
	defer putBuf(resp)
	body := *resp
	if len(body) == 0 {
		return &ResponseError{Method: method, URL: c.ep.redacted, Offset: -1, Err: errNoAnswer}
	}
	rs, batch, err := c.js.dec.DecodeResponses(body)
	if err != nil {
		return newResponseError(method, c.ep.redacted, body, err)
	}
	if !batch {
		if rs[0].Err != nil {
			return rs[0].Err // the batch itself was refused
		}
		return newResponseError(method, c.ep.redacted, body, errors.New("a single result answered a batch"))
	}
	matched, _ := jsonrpc.MatchResponses(ids, rs)
	for i, r := range matched {
		calls[i].Err = c.batchResult(calls[i], r)
	}
	return nil
}

// batchResult decodes the response r to call (nil when the server sent none).
func (c *Client) batchResult(call *Call, r *jsonrpc.Response) error {
	if r == nil {
		return &ResponseError{Method: call.Method, URL: c.ep.redacted, Offset: -1, Err: errNoAnswer}
	}
	err := r.Decode(call.Reply)
	if err == nil {
		return nil
	}
	var je *jsonrpc.Error
	if errors.As(err, &je) {
		return je
	}
	return newResponseError(call.Method, c.ep.redacted, r.RawResult(), err)
}
