package oslo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/harp-rpc/harp/rpc"
)

// Client calls oslo.messaging servers (Python's, or a harp Server) on one broker: Call waits for
// the answer, Cast and Fanout do not. Prepare gives a Client for another target on the same
// connections, as oslo's prepare(server=..., fanout=...). It is safe for concurrent use.
type Client struct {
	core   *clientCore
	target Target
}

// clientCore is what the Clients of one Dial share: the connections, the publishing channels
// and the reply queue with the calls waiting on it.
type clientCore struct {
	cfg  ClientConfig
	url  string
	send *amqp.Connection
	pub  *publisher

	mu      sync.Mutex
	replyQ  string // declared at the first call, as oslo does
	listen  *amqp.Connection
	waiters map[string]*waiter
	closed  bool

	exMu     sync.Mutex
	declared map[string]bool // exchanges declared on the send connection
}

// waiter is one call waiting for its replies.
type waiter struct {
	replies chan *Reply   // never closed
	gone    chan struct{} // closed (under clientCore.mu) when no reply can come any more
	onBeat  func()        // restarts the call monitor's timer at a heartbeat
}

// Dial connects to the broker at url (amqp://user:pass@host:port/vhost) within ctx. cfg nil
// means DefaultClientConfig("harp"). The reply queue is declared at the first call.
func Dial(ctx context.Context, url string, cfg *ClientConfig) (*Client, error) {
	if cfg == nil {
		cfg = DefaultClientConfig("harp")
	}
	if err := VerifyClientConfig(cfg); err != nil {
		return nil, err
	}
	if err := checkURL(url); err != nil {
		return nil, err
	}
	cc := &clientCore{cfg: *cfg, url: url, waiters: make(map[string]*waiter), declared: make(map[string]bool)}
	var err error
	if cc.send, err = dial(ctx, url, cfg.Heartbeat, "send"); err != nil {
		return nil, err
	}
	redial := func(ctx context.Context) (*amqp.Connection, error) { return dial(ctx, url, cfg.Heartbeat, "send") }
	if cc.pub, err = newPublisher(cc.send, cfg.Publishers, redial); err != nil {
		cc.send.Close()
		return nil, err
	}
	return &Client{core: cc, target: cfg.Target}, nil
}

// Target returns the target the client's calls go to.
func (c *Client) Target() Target { return c.target }

// Prepare returns a Client sharing c's connections whose target is c's with o's non-zero fields
// in place (Fanout when o.Fanout is set), as oslo's RPCClient.prepare.
func (c *Client) Prepare(o Target) *Client {
	t := c.target
	for _, f := range []struct{ dst, src *string }{
		{&t.Exchange, &o.Exchange}, {&t.Topic, &o.Topic}, {&t.Server, &o.Server},
		{&t.Namespace, &o.Namespace}, {&t.Version, &o.Version},
	} {
		if *f.src != "" {
			*f.dst = *f.src
		}
	}
	t.Fanout = t.Fanout || o.Fanout
	return &Client{core: c.core, target: t}
}

// Close closes the connections; calls waiting fail with ErrClosed. The reply queue is left to
// expire (QueueTTL), as oslo leaves it.
func (c *Client) Close() error {
	cc := c.core
	cc.mu.Lock()
	if cc.closed {
		cc.mu.Unlock()
		return nil
	}
	cc.closed = true
	listen := cc.listen
	cc.failWaiters()
	cc.mu.Unlock()
	cc.pub.close()
	err := cc.pub.closeConn()
	if listen != nil {
		err = errors.Join(err, listen.Close())
	}
	return err
}

// routing returns the exchange and routing key of a message to t.
func routing(t Target) (exchange, key string) {
	switch {
	case t.Fanout:
		return FanoutExchange(t.Topic), ""
	case t.Server != "":
		return t.Exchange, ServerQueue(t.Topic, t.Server)
	}
	return t.Exchange, t.Topic
}

// requestFor builds the request of method with args under ctx's request context and request id.
func (c *Client) requestFor(ctx context.Context, method string, args any) (*Request, error) {
	raw, err := marshalArgs(args)
	if err != nil {
		return nil, fmt.Errorf("%w (method %s)", err, method)
	}
	r := &Request{Method: method, Args: raw, Namespace: c.target.Namespace, Version: c.target.Version, UniqueID: uuidHex()}
	rc := RequestContext(ctx)
	if id := rpc.RequestID(ctx); id != "" {
		if _, set := rc["request_id"]; !set {
			rc = mapsWith(rc, "request_id", id)
		}
	}
	r.Context = rc
	return r, nil
}

// mapsWith returns a copy of m with k set to v.
func mapsWith(m map[string]any, k string, v any) map[string]any {
	n := make(map[string]any, len(m)+1)
	for a, b := range m {
		n[a] = b
	}
	n[k] = v
	return n
}

// Cast sends method with its keyword arguments args (a struct or map encoded with
// encoding/json, a json.RawMessage object, or nil) to one server of the target (or to every
// one of them on a fanout target) and returns once the broker has confirmed it. With
// Mandatory, a target nobody serves fails with an *UnroutableError.
func (c *Client) Cast(ctx context.Context, method string, args any) error {
	req, err := c.requestFor(ctx, method, args)
	if err != nil {
		return err
	}
	body, err := AppendRequest(nil, req)
	if err != nil {
		return err
	}
	exchange, key := routing(c.target)
	if c.target.Fanout { // declared before each fanout: the exchange goes with its last server
		topic := c.target.Topic
		return c.core.pub.publish(ctx, exchange, key, false, props(body, 0),
			func(ch *amqp.Channel) error { return declareFanoutExchange(ch, FanoutExchange(topic)) })
	}
	if err := c.declareExchange(ctx, c.target); err != nil {
		return err
	}
	return c.core.pub.publish(ctx, exchange, key, c.core.cfg.Mandatory, props(body, 0), nil)
}

// Fanout casts method to every server of the target's topic.
func (c *Client) Fanout(ctx context.Context, method string, args any) error {
	return c.Prepare(Target{Fanout: true}).Cast(ctx, method, args)
}

// declareExchange declares the topic exchange a message to t goes to, once per client, as oslo
// publishers do before they publish (the exchange must exist for the publish not to close
// the channel).
func (c *Client) declareExchange(ctx context.Context, t Target) error {
	name := t.Exchange
	cc := c.core
	cc.exMu.Lock()
	defer cc.exMu.Unlock()
	if cc.declared[name] {
		return nil
	}
	conn, err := cc.pub.connection(ctx)
	if err != nil {
		return err
	}
	ch, err := conn.Channel()
	if err != nil {
		return &TransportError{Op: "open channel", Err: err}
	}
	defer ch.Close()
	if err = declareTopicExchange(ch, t.Exchange); err != nil {
		return &TransportError{Op: "declare exchange " + name, Err: err}
	}
	cc.declared[name] = true
	return nil
}

// Call sends method with its keyword arguments args (as Cast takes them) to one server of the
// target and decodes the answer into reply (a pointer, or nil to discard it) with
// encoding/json. It waits until ctx ends or the client's Timeout, whichever is first; the call
// carries that as its AMQP expiration. A failure the server answered is a *RemoteError; no
// answer in time is a *TimeoutError; a target nobody serves, with Mandatory, an
// *UnroutableError; a broker failure a *TransportError.
func (c *Client) Call(ctx context.Context, method string, args any, reply any) error {
	res, err := c.CallRaw(ctx, method, args)
	if err != nil {
		return err
	}
	if reply == nil || len(res) == 0 {
		return nil
	}
	if err := json.Unmarshal(res, reply); err != nil {
		return fmt.Errorf("oslo: %s: result: %w", method, err)
	}
	return nil
}

// CallRaw is Call returning the result's JSON text (nil for null).
func (c *Client) CallRaw(ctx context.Context, method string, args any) (json.RawMessage, error) {
	if c.target.Fanout {
		return nil, ErrInvalidTarget
	}
	req, err := c.requestFor(ctx, method, args)
	if err != nil {
		return nil, err
	}
	if err := c.declareExchange(ctx, c.target); err != nil {
		return nil, err
	}
	return c.core.call(ctx, c.target, req)
}

// timeoutFor returns how long a call may wait: the client's Timeout or ctx's remaining time.
func (cc *clientCore) timeoutFor(ctx context.Context) time.Duration {
	d := cc.cfg.Timeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		d = time.Until(dl)
	}
	return d
}

// failWaiters ends every waiting call; cc.mu is held.
func (cc *clientCore) failWaiters() {
	for id, w := range cc.waiters {
		close(w.gone)
		delete(cc.waiters, id)
	}
}
