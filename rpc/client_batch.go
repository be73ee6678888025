package rpc

import (
	"context"
	"errors"
	"fmt"

	"github.com/harp-rpc/harp/xmlrpc"
)

// Batch sends calls together in one request and sets each call's Reply and Err. Over JSON-RPC it
// is one JSON-RPC batch, each call a request with its own id; over XML-RPC it is MultiCall. After
// Batch returns nil, each call's Err is nil when its result was decoded into Reply, the server's
// fault or error object when it answered that call with one, or a *ResponseError when the result
// did not fit Reply or the server left the call unanswered.
//
// The returned error concerns the batch as a whole, and each call's Err is then left unset: a
// transport failure, an error object answered to the whole batch (such as a batch over the
// server's size limit), or an answer that is not a batch of responses. A server may run the
// calls of a JSON-RPC batch in any order, even concurrently; harp runs them in order.
func (c *Client) Batch(ctx context.Context, calls ...*Call) error {
	if ctx == nil {
		return ErrNilContext
	}
	if len(calls) == 0 {
		return nil
	}
	x := getExchange()
	defer putExchange(x)
	b, first, err := c.codec.AppendBatch(x.buf[:0], calls)
	if errors.Is(err, ErrNoBatch) {
		return c.MultiCall(ctx, calls...)
	}
	x.buf = b
	for _, call := range calls {
		if err := c.codec.CheckReply(call.Method, call.Reply); err != nil {
			return err
		}
	}
	if err != nil {
		return encodeFailure(batchMethod, err)
	}
	ctx, cancel := c.bound(ctx)
	if cancel != nil {
		defer cancel()
	}
	ans, err := c.send(ctx, x, batchMethod, false)
	if err != nil {
		return c.transportFailure(err, 0)
	}
	if err := c.codec.DecodeBatch(ans, first, calls); err != nil {
		return c.located(err)
	}
	for _, call := range calls {
		c.located(call.Err)
	}
	return nil
}

// multicallMethod is the method a MultiCall calls.
const multicallMethod = "system.multicall"

// multicallEntry is one element of system.multicall's parameter.
type multicallEntry struct {
	MethodName string `xmlrpc:"methodName" json:"methodName"`
	Params     []any  `xmlrpc:"params" json:"params"`
}

// MultiCall sends calls in one system.multicall request (the de-facto extension CPython,
// xmlrpc-c, Apache, supervisord and harp servers implement) and sets each call's Reply and Err,
// as Batch does (a fault in a result is an *xmlrpc.Fault in either protocol). The returned error
// concerns the batch as a whole: a transport failure, a fault answered to the system.multicall
// call itself (such as method not found, from a server without it), or an answer that does not
// match the batch; each call's Err is then left unset. A server runs the calls in order, and a
// fault in one does not stop the others.
func (c *Client) MultiCall(ctx context.Context, calls ...*Call) error {
	if len(calls) == 0 {
		return nil
	}
	entries := make([]multicallEntry, len(calls))
	for i, call := range calls {
		if call.Method == multicallMethod {
			return errors.New("rpc: MultiCall: system.multicall cannot be nested")
		}
		entries[i] = multicallEntry{MethodName: call.Method, Params: call.Args}
		if entries[i].Params == nil {
			entries[i].Params = []any{}
		}
	}
	var results []any
	if err := c.Call(ctx, multicallMethod, &results, entries); err != nil {
		return err
	}
	if len(results) != len(calls) {
		return &ResponseError{Method: multicallMethod, URL: c.endpoint, Offset: -1,
			Err: fmt.Errorf("%d results answered for %d calls", len(results), len(calls))}
	}
	for i, r := range results {
		calls[i].Err = c.located(MulticallResult(c.codec, calls[i], r))
	}
	return nil
}

// MulticallResult interprets r, one element of a system.multicall answer decoded into an `any`
// by codec, for call: a one-element array holding the result, or a fault struct (returned as an
// *xmlrpc.Fault). supervisord answers each result bare, without the array; such an answer is
// taken as the result itself (a bare result that is itself an array of one value cannot be told
// from a wrapped one, and is read as wrapped). The result is stored in call.Reply through
// codec.Convert, whose error is returned.
func MulticallResult(codec ClientCodec, call *Call, r any) error {
	switch v := r.(type) {
	case []any:
		if len(v) == 1 {
			return codec.Convert(call.Method, v[0], call.Reply)
		}
	case map[string]any:
		if f, ok := asFault(v); ok {
			return f
		}
	}
	return codec.Convert(call.Method, r, call.Reply)
}

// asFault reads a fault struct: faultCode (an integer) and faultString (a string).
func asFault(m map[string]any) (*xmlrpc.Fault, bool) {
	if len(m) != 2 {
		return nil, false
	}
	s, ok := m["faultString"].(string)
	if !ok {
		return nil, false
	}
	switch code := m["faultCode"].(type) {
	case int:
		return &xmlrpc.Fault{Code: code, String: s}, true
	case int64:
		return &xmlrpc.Fault{Code: int(code), String: s}, true
	}
	return nil, false
}
