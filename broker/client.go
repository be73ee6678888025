package broker

import (
	"context"
	"fmt"
	"time"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// ClientConfig configures a Client. Start from DefaultClientConfig.
type ClientConfig struct {
	// Target is where calls go; its Topic is required. Prepare overrides it per call.
	Target Target
	// Codec is the wire format (rpc.NewXMLClientCodec, rpc.NewJSONClientCodec); nil is XML-RPC.
	Codec rpc.ClientCodec
	// Timeout bounds each call or cast made without an earlier context deadline, as oslo's
	// rpc_response_timeout does; 0 means only the context bounds it.
	Timeout time.Duration
	// Durable makes casts durable (Message.Durable): kept by the broker until a server takes
	// them. Prepare overrides it.
	Durable bool
}

// DefaultClientConfig returns XML-RPC calls with oslo.messaging's 60 s timeout, casts not
// durable, and no target (set Target.Topic).
func DefaultClientConfig() *ClientConfig {
	return &ClientConfig{Timeout: 60 * time.Second}
}

// Verify reports whether c is usable, with an error wrapping ErrInvalidConfig or
// ErrInvalidTarget if not.
func (c *ClientConfig) Verify() error {
	if c == nil {
		return fmt.Errorf("%w: nil client config", ErrInvalidConfig)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("%w: negative timeout %v", ErrInvalidConfig, c.Timeout)
	}
	return c.Target.Verify()
}

// Client calls, casts and fans out to a Target over a Transport, with the calling core
// (rpc.Client) encoding calls and decoding answers, so the same registry is called the same
// way as over HTTP. A Client is safe for concurrent use; it does not own its Transport.
//
// Errors of Call: the server's fault, unwrapped as rpc.Client returns it (*xmlrpc.Fault,
// *jsonrpc.Error; see AsFault); *NoServerError when nobody serves the target (NotSent: a
// cluster or a retry may try elsewhere); *TimeoutError when the answer did not come in time;
// *TransportError for a broker failure; an *rpc.ResponseError for an answer that is not one.
// A call is sent once: the Client never retries.
type Client struct {
	t       Transport
	target  Target
	durable bool
	timeout time.Duration
	codec   rpc.ClientCodec
	core    *rpc.Client
}

// NewClient returns a Client of t as cfg says (nil: DefaultClientConfig, which needs a topic,
// so nil always fails).
func NewClient(t Transport, cfg *ClientConfig) (*Client, error) {
	if cfg == nil {
		cfg = DefaultClientConfig()
	}
	if t == nil {
		return nil, fmt.Errorf("%w: nil transport", ErrInvalidConfig)
	}
	if err := cfg.Verify(); err != nil {
		return nil, err
	}
	codec := cfg.Codec
	if codec == nil {
		codec = rpc.NewXMLClientCodec(xmlrpc.EncodeOptions{}, xmlrpc.DecodeOptions{})
	}
	c := &Client{t: t, target: cfg.Target, durable: cfg.Durable, timeout: cfg.Timeout, codec: codec}
	return c.withCore()
}

// withCore gives c its calling core over c itself. The core has no timeout of its own: a call's
// bound is the client's, carried as Message.Timeout for the transport to apply (callTransport),
// which costs no context and no timer per call over what the transport's wait needs.
func (c *Client) withCore() (*Client, error) {
	core, err := rpc.NewClient(callTransport{c}, &rpc.ClientConfig{
		Codec: c.codec, Endpoint: c.target.String(),
	})
	if err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	c.core = core
	return c, nil
}

// Prepare sets per-call overrides, as oslo.messaging's prepare() does.
type Prepare struct {
	// Exchange, Topic and Server replace the target's when not "".
	Exchange, Topic, Server string
	// Fanout makes Cast fan out to every server of the topic (Call then fails).
	Fanout bool
	// Timeout, when positive, replaces the client's timeout.
	Timeout time.Duration
	// Durable makes casts durable; NotDurable makes them not (both false keeps the client's).
	Durable, NotDurable bool
}

// Prepare returns a Client like c with the overrides of p, sharing c's transport and codec.
// It fails with an error wrapping ErrInvalidTarget when the resulting target is invalid.
func (c *Client) Prepare(p Prepare) (*Client, error) {
	n := *c
	if p.Exchange != "" {
		n.target.Exchange = p.Exchange
	}
	if p.Topic != "" {
		n.target.Topic = p.Topic
	}
	if p.Server != "" {
		n.target.Server = p.Server
	}
	if p.Fanout {
		n.target.Fanout, n.target.Server = true, ""
	}
	if p.Timeout > 0 {
		n.timeout = p.Timeout
	}
	if p.Durable {
		n.durable = true
	} else if p.NotDurable {
		n.durable = false
	}
	if err := n.target.Verify(); err != nil {
		return nil, err
	}
	return n.withCore()
}

// Target returns the client's target.
func (c *Client) Target() Target { return c.target }

// RPC returns the calling core over the client's target: every call shape (CallNamed, Batch,
// MultiCall, CallRaw, Notify as a cast) works through it.
func (c *Client) RPC() *rpc.Client { return c.core }

// Call calls method with args on one server of the target (the target's server, when set) and
// decodes the result into reply (a non-nil pointer, or nil to discard it). The context bounds
// the call, and carries the request context (WithContext) and request id (rpc.WithRequestID).
func (c *Client) Call(ctx context.Context, method string, reply any, args ...any) error {
	return c.core.Call(ctx, method, reply, args...)
}

// CallNamed calls method with params by name (a struct, or a map with string keys), as
// rpc.Client.CallNamed does.
func (c *Client) CallNamed(ctx context.Context, method string, reply any, params any) error {
	return c.core.CallNamed(ctx, method, reply, params)
}

// Cast sends a call of method with args to one server of the target (or every server, when
// prepared with Fanout) and returns once the broker has it, without waiting for it to run.
// A durable cast is stored by the broker first. Errors are the transport's (*NoServerError,
// *TransportError), or the codec's for args it cannot encode (nothing is sent).
func (c *Client) Cast(ctx context.Context, method string, args ...any) error {
	return c.cast(ctx, c.target, method, args)
}

// Fanout casts a call of method with args to every server of the target's topic.
func (c *Client) Fanout(ctx context.Context, method string, args ...any) error {
	t := c.target
	t.Fanout, t.Server = true, ""
	return c.cast(ctx, t, method, args)
}

func (c *Client) cast(ctx context.Context, t Target, method string, args []any) error {
	if ctx == nil {
		return rpc.ErrNilContext
	}
	body, _, err := c.codec.AppendCall(nil, method, args)
	if err != nil {
		return fmt.Errorf("broker: cast %s: %w", method, err)
	}
	ctx, cancel := c.bound(ctx)
	defer cancel()
	m, err := c.message(ctx, t, c.codec.Name(), method, body)
	if err != nil {
		return err
	}
	m.Durable = c.durable
	return c.t.Cast(ctx, t, m)
}

// RoundTrip sends an encoded request to the target, as rpc.Transport promises, so a cluster
// or a gateway drives a Client like any other transport: a request expecting an answer is a
// Call, a notification a Cast.
func (c *Client) RoundTrip(ctx context.Context, req *rpc.Request, dst []byte) ([]byte, error) {
	return c.core.RoundTrip(ctx, req, dst)
}

// bound applies the client's timeout to ctx.
func (c *Client) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.timeout <= 0 {
		return ctx, func() {}
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= c.timeout {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.timeout)
}

// message builds the Message for body under ctx: its request context, request id and the time
// left, which is ctx's, or the client's timeout when that is shorter (or ctx has no deadline).
// A deadline already passed is a *TimeoutError, and nothing is sent.
func (c *Client) message(ctx context.Context, t Target, protocol, method string, body []byte) (*Message, error) {
	if err := ctx.Err(); err != nil {
		if err == context.DeadlineExceeded {
			return nil, &TimeoutError{Target: t, Method: method}
		}
		return nil, &TransportError{Op: "call", Target: t, Method: method, Err: err}
	}
	m := &Message{Protocol: protocol, Method: method, Body: body, Context: ContextFrom(ctx), RequestID: rpc.RequestID(ctx)}
	dl, ok := ctx.Deadline()
	if ok {
		m.Timeout = time.Until(dl)
		if m.Timeout <= 0 {
			return nil, &TimeoutError{Target: t, Method: method}
		}
	}
	if c.timeout > 0 && (!ok || m.Timeout > c.timeout) {
		m.Timeout = c.timeout
	}
	return m, nil
}

// callTransport is the rpc.Transport the client's calling core sends through.
type callTransport struct{ c *Client }

// RoundTrip calls (or, for a notification, casts) req on the client's target. A call is
// bounded by ctx and by the client's timeout, which travels as the message's Timeout for the
// transport to apply (Transport.Call); a cast is bounded by both through its context.
func (ct callTransport) RoundTrip(ctx context.Context, req *rpc.Request, dst []byte) ([]byte, error) {
	c := ct.c
	if req.Notification || c.target.Fanout {
		if !req.Notification {
			return dst, fmt.Errorf("%w: a call cannot fan out (%s to %s); cast instead", ErrUnsupported, req.Method, c.target)
		}
		ctx, cancel := c.bound(ctx)
		defer cancel()
		m, err := c.message(ctx, c.target, req.Protocol, req.Method, req.Body)
		if err != nil {
			return dst, err
		}
		m.Durable = c.durable
		return dst, c.t.Cast(ctx, c.target, m)
	}
	m, err := c.message(ctx, c.target, req.Protocol, req.Method, req.Body)
	if err != nil {
		return dst, err
	}
	return c.t.Call(ctx, c.target, m, dst)
}

// Close releases nothing and returns nil: the transport is the caller's, shared by every
// Client over it (Prepare's too). It makes a Client a cluster.Caller.
func (c *Client) Close() error { return nil }
