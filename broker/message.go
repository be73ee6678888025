package broker

import (
	"context"
	"time"
)

// Message is one request as a transport carries it: a harp protocol document and what travels
// beside it in headers. The Client fills it in; a transport only serializes it, and on the
// serving side gives it back in a Delivery.
type Message struct {
	// Protocol names the wire format of Body, "xmlrpc" or "jsonrpc".
	Protocol string
	// Method is the method called ("system.multicall", "batch" for several), for routing and logs.
	Method string
	// Body is the encoded request. A transport must not keep it after Call or Cast returns.
	Body []byte
	// Context is the request context (oslo's): user, project, roles... for the handler to read.
	Context RequestContext
	// RequestID is the call's request id (rpc.RequestID), "" when none.
	RequestID string
	// Timeout is the time the caller had left when the message was sent (its context's, or
	// the client's timeout when shorter); 0 means no deadline. A transport bounds a Call by it
	// as well as by the context, and a server gives its handler no more than this.
	Timeout time.Duration
	// Durable asks, for a cast, that the broker keep the message until a server takes it, and
	// redeliver it (up to a bound, then dead-letter it) when running it fails. A transport
	// without durable casts refuses it with ErrUnsupported.
	Durable bool
}

// RequestContext is the request context carried with each call (oslo.messaging's context
// dict): string keys and values that encode as JSON. Handlers read it with ContextFrom.
type RequestContext map[string]any

type requestContextKey struct{}

// WithContext returns a copy of ctx carrying rc: every call, cast and fanout made under it
// carries rc to the server, where the handler's context carries it again (ContextFrom).
func WithContext(ctx context.Context, rc RequestContext) context.Context {
	return context.WithValue(ctx, requestContextKey{}, rc)
}

// ContextFrom returns the request context ctx carries, or nil. A handler must not modify it.
func ContextFrom(ctx context.Context) RequestContext {
	rc, _ := ctx.Value(requestContextKey{}).(RequestContext)
	return rc
}

// Kind says what a delivery expects of its server.
type Kind uint8

const (
	// KindCall is a call: its sender waits for the answer, which Done sends back.
	KindCall Kind = iota + 1
	// KindCast is a cast to one server of the topic, or to this server by name: nobody waits.
	KindCast
	// KindFanout is a cast to every server of the topic.
	KindFanout
)

// String returns "call", "cast" or "fanout".
func (k Kind) String() string {
	switch k {
	case KindCall:
		return "call"
	case KindCast:
		return "cast"
	case KindFanout:
		return "fanout"
	}
	return "unknown"
}

// Delivery is one message a transport hands a Listen handler.
type Delivery struct {
	Message
	// Kind says whether an answer is expected.
	Kind Kind
	// Attempt counts the deliveries of a durable cast, 1 for the first; 1 for anything else.
	Attempt int
	// Inline reports that the transport calls the handler from goroutines of its own, no more
	// than ListenConfig.MaxInFlight at once, so the handler may run the delivery in the
	// calling goroutine (a Server then does, saving a hand-off per call). When false, the
	// handler must not hold the calling goroutine longer than it takes to hand d on.
	Inline bool
	// Done completes the delivery, exactly once: for a call it sends answer back (answer is not
	// kept after Done returns); for a durable cast, a nil err acknowledges it and a non-nil err
	// (the method failed, or the server is stopping) has it redelivered, or dead-lettered once
	// its deliveries are used up; for other casts it only releases the delivery. Done may be
	// called from any goroutine, also after the Listener was stopped, until the transport is
	// closed. Its error reports a failure to send the answer or the acknowledgement.
	Done func(answer []byte, err error) error
}
