package rpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/harp-rpc/harp/xmlrpc"
)

// ClientConfig configures a Client. The zero value (or nil) calls in XML-RPC with the codec's
// default options and no timeout of its own.
type ClientConfig struct {
	// Codec is the wire format: NewXMLClientCodec's or NewJSONClientCodec's. nil means XML-RPC
	// with default options.
	Codec ClientCodec
	// Endpoint names the server in errors (ResponseError.URL); it should have any password
	// redacted.
	Endpoint string
	// Timeout bounds every call made without an earlier context deadline; 0 means only the
	// context bounds a call. The transport sees (and carries on) the bounded context.
	Timeout time.Duration
}

// Client is the calling core: it encodes every call shape with a ClientCodec, moves the bodies
// through a Transport and decodes the answers. It is the same over HTTP (package client wraps
// one), a broker or an in-memory pipe. It is itself a Transport (RoundTrip passes an encoded body
// through), so a gateway or a cluster can forward raw bytes with it.
//
// Errors: a fault answered by the server is returned as its wire format's type (*xmlrpc.Fault,
// *jsonrpc.Error, both with FaultCode and FaultString), never wrapped; an answer that is not a
// valid response, or does not fit the reply, is a *ResponseError; a reply that is not a non-nil
// pointer, or arguments that cannot be encoded, give the codec's error, wrapped, and nothing is
// sent. Every other error is the Transport's, unchanged, with its NotSent, Timeout and StatusCode
// methods (a JSON-RPC error object a transport error carries, see StatusAnswerer, is returned as
// the *jsonrpc.Error instead).
//
// A Client is safe for concurrent use; its calls share nothing but the transport and the codec.
type Client struct {
	t        Transport
	codec    ClientCodec
	proto    string
	endpoint string
	timeout  time.Duration
}

// ErrInvalidClientConfig reports a ClientConfig, or a transport, that NewClient cannot use.
var ErrInvalidClientConfig = errors.New("rpc: invalid client config")

// NewClient returns a Client calling through t as cfg says (nil: XML-RPC, no timeout). It fails
// with an error wrapping ErrInvalidClientConfig when t is nil or cfg.Timeout negative.
func NewClient(t Transport, cfg *ClientConfig) (*Client, error) {
	if t == nil {
		return nil, fmt.Errorf("%w: nil Transport", ErrInvalidClientConfig)
	}
	var c ClientConfig
	if cfg != nil {
		c = *cfg
	}
	if c.Timeout < 0 {
		return nil, fmt.Errorf("%w: negative Timeout", ErrInvalidClientConfig)
	}
	if c.Codec == nil {
		c.Codec = NewXMLClientCodec(xmlrpc.EncodeOptions{}, xmlrpc.DecodeOptions{})
	}
	return &Client{t: t, codec: c.Codec, proto: c.Codec.Name(), endpoint: c.Endpoint, timeout: c.Timeout}, nil
}

// Codec returns the client's codec.
func (c *Client) Codec() ClientCodec { return c.codec }

// Transport returns the transport the client calls through.
func (c *Client) Transport() Transport { return c.t }

// Close closes the transport when it has a Close method (an io.Closer), and returns its error.
func (c *Client) Close() error {
	if cl, ok := c.t.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// exchange is one request in flight: its Request and a pooled buffer holding the encoded body,
// the answer appended after it.
type exchange struct {
	req Request
	buf []byte
}

// Buffers grown past maxPooledExchange are left to the garbage collector, so one huge call does
// not pin memory.
const (
	initialExchange   = 4 << 10
	maxPooledExchange = 1 << 20
)

var exchanges = sync.Pool{New: func() any { return &exchange{buf: make([]byte, 0, initialExchange)} }}

func getExchange() *exchange { return exchanges.Get().(*exchange) }

func putExchange(x *exchange) {
	if cap(x.buf) > maxPooledExchange {
		return
	}
	x.req = Request{}
	x.buf = x.buf[:0]
	exchanges.Put(x)
}

// send moves the encoded body in x.buf through the transport and returns the answer, which lives
// in x's buffer (valid until putExchange).
func (c *Client) send(ctx context.Context, x *exchange, method string, notification bool) ([]byte, error) {
	body := x.buf
	x.req = Request{Protocol: c.proto, Method: method, Body: body[:len(body):len(body)], Notification: notification}
	ans, err := c.t.RoundTrip(ctx, &x.req, body[len(body):])
	x.req.Body = nil
	if cap(ans) > cap(body)-len(body) {
		x.buf = ans[:0] // the answer outgrew the buffer: keep the larger one
	}
	return ans, err
}

// bound applies the client's timeout to ctx; the returned cancel must be called (it may be nil).
func (c *Client) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.timeout > 0 {
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > c.timeout {
			return context.WithTimeout(ctx, c.timeout)
		}
	}
	return ctx, nil
}

// encodeFailure wraps a codec's refusal to encode.
func encodeFailure(method string, err error) error {
	if errors.Is(err, ErrNoNotifications) {
		return fmt.Errorf("rpc: %s: %w", method, err)
	}
	return fmt.Errorf("rpc: %s: encoding call: %w", method, err)
}

// transportFailure returns the fault or error object a transport error carries for the call with
// id (see StatusAnswerer) as a *StatusFaultError, or err unchanged.
func (c *Client) transportFailure(err error, id int64) error {
	var sa StatusAnswerer
	if errors.As(err, &sa) {
		if body := sa.AnswerBody(); body != nil {
			if e := c.codec.StatusAnswer(body, id); e != nil {
				return &StatusFaultError{Fault: e, Transport: err}
			}
		}
	}
	return err
}

// located fills in the endpoint of a ResponseError the codec returned.
func (c *Client) located(err error) error {
	if re, ok := err.(*ResponseError); ok && re.URL == "" {
		re.URL = c.endpoint
	}
	return err
}

// appendCall is codec.AppendCall. The codecs of this package are called directly, so that args,
// which their encoders do not keep, can stay on the caller's stack (a call through the interface
// makes every caller's args escape: one allocation per call); another codec gets a copy.
func appendCall(codec ClientCodec, dst []byte, method string, args []any) ([]byte, int64, error) {
	switch cc := codec.(type) {
	case *xmlClientCodec:
		return cc.AppendCall(dst, method, args)
	case *jsonClientCodec:
		return cc.AppendCall(dst, method, args)
	}
	return codec.AppendCall(dst, method, append([]any(nil), args...))
}

// Call calls method with args and decodes the result into reply, a non-nil pointer, or discards
// it when reply is nil. See Client for its errors. The context bounds the whole call.
func (c *Client) Call(ctx context.Context, method string, reply any, args ...any) error {
	return c.call(ctx, method, reply, args, nil, false)
}

// CallNamed calls method with params by name (a struct, or a map with string keys) and decodes
// the result into reply as Call does. Over JSON-RPC params is the request's params object; over
// XML-RPC, which has no named params, it is sent as the one struct parameter, which is how a harp
// server binds JSON-RPC named params too.
func (c *Client) CallNamed(ctx context.Context, method string, reply any, params any) error {
	return c.call(ctx, method, reply, nil, params, true)
}

// call is Call (named false) and CallNamed.
func (c *Client) call(ctx context.Context, method string, reply any, args []any, params any, named bool) error {
	if ctx == nil {
		return ErrNilContext
	}
	// Refuse an unusable reply before the call runs, not after.
	if err := c.codec.CheckReply(method, reply); err != nil {
		return err
	}
	x := getExchange()
	defer putExchange(x)
	var id int64
	var err error
	if named {
		x.buf, id, err = c.codec.AppendNamedCall(x.buf[:0], method, params)
	} else {
		x.buf, id, err = appendCall(c.codec, x.buf[:0], method, args)
	}
	if err != nil {
		return encodeFailure(method, err)
	}
	ctx, cancel := c.bound(ctx)
	if cancel != nil {
		defer cancel()
	}
	ans, err := c.send(ctx, x, method, false)
	if err != nil {
		return c.transportFailure(err, id)
	}
	return c.located(c.codec.DecodeAnswer(method, ans, id, reply))
}

// CallRaw calls method with args like Call, but returns the answer undecoded, as the transport
// brought it (it may hold a fault). Failures to get an answer are returned as by Call.
func (c *Client) CallRaw(ctx context.Context, method string, args ...any) ([]byte, error) {
	if ctx == nil {
		return nil, ErrNilContext
	}
	x := getExchange()
	defer putExchange(x)
	var id int64
	var err error
	x.buf, id, err = appendCall(c.codec, x.buf[:0], method, args)
	if err != nil {
		return nil, encodeFailure(method, err)
	}
	ctx, cancel := c.bound(ctx)
	if cancel != nil {
		defer cancel()
	}
	ans, err := c.send(ctx, x, method, false)
	if err != nil {
		return nil, c.transportFailure(err, id)
	}
	return append([]byte(nil), ans...), nil
}

// Notify sends a notification of method with args: the server runs it and answers nothing, so
// Notify returns nil once the transport has delivered it, without knowing whether the method
// succeeded. A server that could not read the notification may answer an error object, which
// Notify returns. Over XML-RPC, which has none, Notify fails with an error wrapping
// ErrNoNotifications and sends nothing.
func (c *Client) Notify(ctx context.Context, method string, args ...any) error {
	if ctx == nil {
		return ErrNilContext
	}
	x := getExchange()
	defer putExchange(x)
	var err error
	if x.buf, err = c.codec.AppendNotification(x.buf[:0], method, args); err != nil {
		return encodeFailure(method, err)
	}
	ctx, cancel := c.bound(ctx)
	if cancel != nil {
		defer cancel()
	}
	ans, err := c.send(ctx, x, method, true)
	if err != nil {
		return c.transportFailure(err, 0)
	}
	return c.codec.DecodeNotified(ans)
}

// RoundTrip sends the encoded request req through the client's transport, under the client's
// timeout, and appends the answer to dst, as Transport promises: a Client is a Transport, which
// forwards bodies it never decodes. req.Protocol should be the codec's Name.
func (c *Client) RoundTrip(ctx context.Context, req *Request, dst []byte) ([]byte, error) {
	if ctx == nil {
		return dst, ErrNilContext
	}
	ctx, cancel := c.bound(ctx)
	if cancel != nil {
		defer cancel()
	}
	return c.t.RoundTrip(ctx, req, dst)
}

var _ Transport = (*Client)(nil)
