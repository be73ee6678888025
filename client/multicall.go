package client

import (
	"context"
	"errors"
	"fmt"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// Call is one call of a MultiCall batch. After MultiCall returns nil, Err holds the call's own
// outcome: nil when its result was decoded into Reply (or discarded, when Reply is nil), an
// *xmlrpc.Fault when the server answered this call with a fault, or a *ResponseError when the
// result could not be decoded into Reply.
type Call struct {
	Method string // the method to call
	Args   []any  // its parameters
	Reply  any    // a non-nil pointer receiving the result, or nil to discard it
	Err    error  // the call's outcome, set by MultiCall
}

// NewCall returns a Call of method with args, decoding into reply.
func NewCall(method string, reply any, args ...any) *Call {
	return &Call{Method: method, Reply: reply, Args: args}
}

// multicallEntry is one element of system.multicall's parameter.
type multicallEntry struct {
	MethodName string `xmlrpc:"methodName"`
	Params     []any  `xmlrpc:"params"`
}

// MultiCall sends calls in one system.multicall request (the de-facto extension CPython,
// xmlrpc-c, Apache, supervisord and harp servers implement) and sets each call's Reply and Err. The returned
// error concerns the batch as a whole: a transport failure, a fault answered to the
// system.multicall call itself (such as method not found, from a server without it), or an
// answer that does not match the batch; each call's Err is then left unset. A server runs the
// calls in order, and a fault in one does not stop the others.
func (c *Client) MultiCall(ctx context.Context, calls ...*Call) error {
	if len(calls) == 0 {
		return nil
	}
	entries := make([]multicallEntry, len(calls))
	for i, call := range calls {
		if call.Method == "system.multicall" {
			return errors.New("client: MultiCall: system.multicall cannot be nested")
		}
		entries[i] = multicallEntry{MethodName: call.Method, Params: call.Args}
		if entries[i].Params == nil {
			entries[i].Params = []any{}
		}
	}
	var results []any
	if err := c.Call(ctx, "system.multicall", &results, entries); err != nil {
		return err
	}
	if len(results) != len(calls) {
		return &ResponseError{Method: "system.multicall", URL: c.ep.redacted, Offset: -1,
			Err: fmt.Errorf("%d results answered for %d calls", len(results), len(calls))}
	}
	for i, r := range results {
		calls[i].Err = c.multicallResult(calls[i], r)
	}
	return nil
}

// multicallResult interprets one element of a system.multicall answer: a one-element array
// holding the result, or a fault struct. supervisord answers each result bare, without the
// array; such an answer is taken as the result itself (a bare result that is itself an array of
// one value cannot be told from a wrapped one, and is read as wrapped).
func (c *Client) multicallResult(call *Call, r any) error {
	switch v := r.(type) {
	case []any:
		if len(v) == 1 {
			return c.assign(call, v[0])
		}
	case map[string]any:
		if f, ok := asFault(v); ok {
			return f
		}
	}
	return c.assign(call, r)
}

// assign stores the natural value v in call.Reply, converting it through the client's codec
// (XML-RPC's or JSON-RPC's mapping, as v came) when Reply is a typed pointer.
func (c *Client) assign(call *Call, v any) error {
	switch p := call.Reply.(type) {
	case nil:
		return nil
	case *any:
		*p = v
		return nil
	}
	var err error
	if c.js != nil { // the values came through JSON: convert with the JSON codec's mapping
		var doc []byte
		if doc, err = c.js.enc.AppendValue(nil, v); err == nil {
			err = c.js.dec.Unmarshal(doc, call.Reply)
		}
	} else {
		var doc []byte
		if doc, err = c.enc.AppendValue(nil, v); err == nil {
			err = c.dec.Unmarshal(doc, call.Reply)
		}
	}
	if err != nil {
		var inv *xmlrpc.InvalidUnmarshalError
		var jinv *jsonrpc.InvalidUnmarshalError
		if errors.As(err, &inv) || errors.As(err, &jinv) {
			return fmt.Errorf("client: %s: %w", call.Method, err)
		}
		return &ResponseError{Method: call.Method, URL: c.ep.redacted, Offset: -1, Err: err}
	}
	return nil
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
