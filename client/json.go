package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sync/atomic"

	"github.com/harp-rpc/harp/jsonrpc"
)

// ErrNeedsJSONRPC reports a notification asked of a client that speaks XML-RPC, which has none.
var ErrNeedsJSONRPC = errors.New("client: notifications need JSON-RPC (WithJSONRPC)")

// errNoAnswer is the cause of a ResponseError for a call the server did not answer: an empty
// body (204) to a request with an id, or a batch answer without a response for the call's id.
var errNoAnswer = errors.New("the server sent no response for this call")

// jsonCodec is what a client that speaks JSON-RPC needs: the codec's options and the next id.
type jsonCodec struct {
	enc jsonrpc.EncodeOptions
	dec jsonrpc.DecodeOptions
	ids atomic.Int64
}

// nextID returns a request id unique within the client.
func (j *jsonCodec) nextID() jsonrpc.ID { return jsonrpc.IntID(j.ids.Add(1)) }

// WithJSONRPC makes the client speak JSON-RPC 2.0 instead of XML-RPC, with the same API: Call
// sends a request with positional params and a fresh id, CallNamed sends params by name, Notify
// sends a notification and Batch sends one JSON-RPC batch. Requests are posted as
// application/json. An error object answered by the server is returned as a *jsonrpc.Error, which
// has FaultCode and FaultString like *xmlrpc.Fault; so is one sent with a non-2xx status other
// than 503 (as some servers answer errors with 4xx or 5xx). Every other failure keeps the
// transport error types and their NotSent, Timeout and StatusCode methods.
//
// Values are written and read with the jsonrpc codec's mapping: []byte as base64, time.Time as
// RFC 3339, 64-bit integers with their exact digits.
func WithJSONRPC() Option {
	return func(c *config) error {
		if c.json == nil {
			c.json = &jsonCodec{}
		}
		return nil
	}
}

// WithJSONOptions makes the client speak JSON-RPC (as WithJSONRPC does) with the given codec
// options: enc.LargeIntsAsStrings for JavaScript peers; dec's limits (dec.MaxSize also caps a
// decompressed response) and DisallowUnknownFields.
func WithJSONOptions(enc jsonrpc.EncodeOptions, dec jsonrpc.DecodeOptions) Option {
	return func(c *config) error {
		c.json = &jsonCodec{enc: enc, dec: dec}
		return nil
	}
}

// JSONRPC reports whether the client speaks JSON-RPC (WithJSONRPC) rather than XML-RPC.
func (c *Client) JSONRPC() bool { return c.js != nil }

// checkReply refuses a reply that is neither nil nor a non-nil pointer, before anything is sent.
func checkReply(method string, reply any, invalid func(reflect.Type) error) error {
	if reply == nil {
		return nil
	}
	if rv := reflect.ValueOf(reply); rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("client: %s: %w", method, invalid(reflect.TypeOf(reply)))
	}
	return nil
}

func invalidJSONReply(t reflect.Type) error { return &jsonrpc.InvalidUnmarshalError{Type: t} }

// callJSON is Call over JSON-RPC: named is the params object of CallNamed, or nil for args.
func (c *Client) callJSON(ctx context.Context, method string, reply any, args []any, named any) error {
	if err := checkReply(method, reply, invalidJSONReply); err != nil {
		return err
	}
	id := c.js.nextID()
	resp, err := c.sendWith(ctx, method, func(dst []byte) ([]byte, error) {
		if named != nil {
			return c.js.enc.AppendNamedRequest(dst, id, method, named)
		}
		return c.js.enc.AppendRequest(dst, id, method, args...)
	})
	if err != nil {
		return c.jsonStatusError(err, id)
	}
	defer putBuf(resp)
	body := *resp
	if len(body) == 0 {
		return &ResponseError{Method: method, URL: c.ep.redacted, Offset: -1, Err: errNoAnswer}
	}
	err = c.js.dec.UnmarshalResponseID(body, id, reply)
	if err == nil {
		return nil
	}
	var je *jsonrpc.Error
	if errors.As(err, &je) {
		return je
	}
	var inv *jsonrpc.InvalidUnmarshalError
	if errors.As(err, &inv) {
		return fmt.Errorf("client: %s: %w", method, err)
	}
	return newResponseError(method, c.ep.redacted, body, err)
}

// jsonStatusError returns the error object a server sent with a non-2xx status (other than 503,
// which stays a retryable refusal), when the answer is one to id or to no readable id; otherwise
// err unchanged.
func (c *Client) jsonStatusError(err error, id jsonrpc.ID) error {
	var se *StatusError
	if !errors.As(err, &se) || se.Code == http.StatusServiceUnavailable || len(se.Body) == 0 || len(se.Body) >= statusBodyMax {
		return err
	}
	rs, batch, derr := c.js.dec.DecodeResponses(se.Body)
	if derr != nil || batch || rs[0].Err == nil || !(rs[0].ID.Equal(id) || rs[0].ID.IsNull()) {
		return err
	}
	return rs[0].Err
}

// CallNamed calls method with params by name and decodes the result into reply as Call does. Over
// JSON-RPC params is sent as the request's params object; it must encode as one (a struct or a
// map with string keys). Over XML-RPC, which has no named params, it is sent as the one struct
// parameter, which is how a harp server binds JSON-RPC named params too: so a method whose single
// parameter is a struct serves both protocols alike.
func (c *Client) CallNamed(ctx context.Context, method string, reply any, params any) error {
	if c.js == nil {
		return c.Call(ctx, method, reply, params)
	}
	if params == nil {
		return fmt.Errorf("client: %s: CallNamed: nil params", method)
	}
	return c.callJSON(ctx, method, reply, nil, params)
}

// Notify sends a JSON-RPC notification of method with args: the server runs it and answers
// nothing, so Notify returns nil once the server has accepted it (HTTP 204, or 200), without
// knowing whether the method succeeded. A server that could not read the notification may answer
// an error object, which Notify returns as a *jsonrpc.Error. Over XML-RPC, Notify fails with
// ErrNeedsJSONRPC and sends nothing.
func (c *Client) Notify(ctx context.Context, method string, args ...any) error {
	if c.js == nil {
		return fmt.Errorf("client: %s: %w", method, ErrNeedsJSONRPC)
	}
	resp, err := c.sendWith(ctx, method, func(dst []byte) ([]byte, error) {
		return c.js.enc.AppendRequest(dst, jsonrpc.ID{}, method, args...)
	})
	if err != nil {
		return c.jsonStatusError(err, jsonrpc.NullID())
	}
	defer putBuf(resp)
	return c.unsolicitedError(*resp)
}

// unsolicitedError returns the error object in the answer to something that expected none (a
// notification, a batch of them): a server reports a body it could not read that way.
func (c *Client) unsolicitedError(body []byte) error {
	if len(body) == 0 {
		return nil
	}
	rs, _, err := c.js.dec.DecodeResponses(body)
	if err != nil {
		return nil // not ours to judge: the notification was delivered
	}
	for i := range rs {
		if rs[i].Err != nil {
			return rs[i].Err
		}
	}
	return nil
}
