package client

import (
	"context"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
)

// ErrNeedsJSONRPC reports a notification asked of a client that speaks XML-RPC, which has none
// (WithJSONRPC). It is rpc.ErrNoNotifications.
var ErrNeedsJSONRPC = rpc.ErrNoNotifications

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
		c.json = true
		return nil
	}
}

// WithJSONOptions makes the client speak JSON-RPC (as WithJSONRPC does) with the given codec
// options: enc.LargeIntsAsStrings for JavaScript peers; dec's limits (dec.MaxSize also caps a
// decompressed response) and DisallowUnknownFields.
func WithJSONOptions(enc jsonrpc.EncodeOptions, dec jsonrpc.DecodeOptions) Option {
	return func(c *config) error {
		c.json, c.jsonEnc, c.jsonDec = true, enc, dec
		return nil
	}
}

// JSONRPC reports whether the client speaks JSON-RPC (WithJSONRPC) rather than XML-RPC.
func (c *Client) JSONRPC() bool { return c.json }

// CallNamed calls method with params by name and decodes the result into reply as Call does. Over
// JSON-RPC params is sent as the request's params object; it must encode as one (a struct or a
// map with string keys). Over XML-RPC, which has no named params, it is sent as the one struct
// parameter, which is how a harp server binds JSON-RPC named params too: so a method whose single
// parameter is a struct serves both protocols alike.
func (c *Client) CallNamed(ctx context.Context, method string, reply any, params any) error {
	return c.core.CallNamed(ctx, method, reply, params)
}

// Notify sends a JSON-RPC notification of method with args: the server runs it and answers
// nothing, so Notify returns nil once the server has accepted it (HTTP 204, or 200), without
// knowing whether the method succeeded. A server that could not read the notification may answer
// an error object, which Notify returns as a *jsonrpc.Error. Over XML-RPC, Notify fails with
// ErrNeedsJSONRPC and sends nothing.
func (c *Client) Notify(ctx context.Context, method string, args ...any) error {
	return c.core.Notify(ctx, method, args...)
}
