package rpc

import "context"

// Transport moves one encoded request to a server and brings back the encoded answer: HTTP,
// HTTPS and unix sockets (package client), a NATS request, an AMQP call, an in-memory pipe in a
// test. It knows nothing of the wire format beyond the Request's labels; the calling core encodes
// calls and decodes answers.
//
// RoundTrip sends req and appends the answer's body to dst, returning the extended slice; an
// empty answer (a notification's) appends nothing. It must honour ctx: its deadline (which a
// transport that can carries to the server, see FormatTimeout) and its cancellation, and the
// request id of RequestID(ctx) where the wire has room for it.
//
// Its errors say structurally what happened, as the cluster reads them (see cluster.Classify):
// an error with a NotSent() bool method returning true proves the request never reached a server
// (so it may be repeated elsewhere without running twice); Timeout() bool reports a deadline;
// StatusCode() int a transport-level status (HTTP's). A transport never answers a fault as an
// error: a fault is a body like any other answer, for the codec to read.
type Transport interface {
	RoundTrip(ctx context.Context, req *Request, dst []byte) ([]byte, error)
}

// Request is one encoded request for a Transport.
type Request struct {
	// Protocol names the wire format of Body, "xmlrpc" or "jsonrpc", for transports that label
	// it (HTTP's Content-Type, a message header).
	Protocol string
	// Method names what is called, for errors and routing: the method, or "batch" or
	// "system.multicall" for several.
	Method string
	// Body is the encoded request. The transport must not keep it after RoundTrip returns.
	Body []byte
	// Notification reports that no answer is expected (a JSON-RPC notification or a batch of
	// them): an empty answer is then the normal one.
	Notification bool
}

// Call is one call of a batch (a JSON-RPC batch, or XML-RPC's system.multicall). After the batch
// returns nil, Err holds the call's own outcome: nil when its result was decoded into Reply (or
// discarded, when Reply is nil), the server's fault or error object when it answered this call
// with one, or a decoding error when the result did not fit Reply or was missing.
type Call struct {
	Method string // the method to call
	Args   []any  // its parameters
	Reply  any    // a non-nil pointer receiving the result, or nil to discard it
	Err    error  // the call's outcome, set by the batch
}

// NewCall returns a Call of method with args, decoding into reply.
func NewCall(method string, reply any, args ...any) *Call {
	return &Call{Method: method, Reply: reply, Args: args}
}
