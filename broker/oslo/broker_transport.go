package oslo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"github.com/harp-rpc/harp/broker"
)

func init() { broker.RegisterScheme("amqp", dialScheme) }

// dialScheme is broker.Dial's entry for amqp:// URLs.
func dialScheme(ctx context.Context, u *url.URL) (broker.Transport, error) {
	return NewTransport(ctx, u.String(), nil)
}

// TransportConfig configures a Transport. The zero value (or nil) uses oslo's defaults.
type TransportConfig struct {
	// Client configures calls and casts; nil means DefaultClientConfig. Its Target.Exchange is
	// the default exchange; its Topic is unused (each message names its target).
	Client *ClientConfig
	// Server configures listeners; nil means DefaultConfig. Topic, Server, Exchange and
	// MaxInFlight come from each ListenConfig.
	Server *Config
	// Methods, when set (an *rpc.Registry), tells listeners each method's parameters, so that
	// keyword arguments bind positionally to methods that do not take one struct or map (see
	// the package documentation). Without it they bind as named params.
	Methods MethodLookup
}

// Transport is the oslo.messaging AMQP transport of package broker: broker.Client and
// broker.Server drive it like the NATS one, with the oslo wire and topology of this package, so
// that either end may be Python. oslo messages carry keyword arguments and JSON results, so a
// call's JSON-RPC or XML-RPC document is translated: its named params (XML-RPC: one struct
// parameter) are the keywords, positional params travel as keywords "0", "1", ..., and the
// answer comes back in the call's own protocol; a listener hands its server JSON-RPC bodies.
// Durable casts are not supported (oslo has none); a plain cast is
// mandatory, so a topic nobody serves fails as *broker.NoServerError.
type Transport struct {
	url     string
	client  *Client
	server  Config
	methods any

	mu        sync.Mutex
	listeners []*Server
	closed    bool
}

// NewTransport connects to the broker at url within ctx.
func NewTransport(ctx context.Context, url string, cfg *TransportConfig) (*Transport, error) {
	if cfg == nil {
		cfg = &TransportConfig{}
	}
	ccfg := cfg.Client
	if ccfg == nil {
		ccfg = DefaultClientConfig("harp")
	}
	scfg := cfg.Server
	if scfg == nil {
		scfg = DefaultConfig("harp")
	}
	c, err := Dial(ctx, url, ccfg)
	if err != nil {
		return nil, asBrokerError("dial", broker.Target{}, "", err)
	}
	t := &Transport{url: url, client: c, server: *scfg}
	if cfg.Methods != nil {
		t.methods = cfg.Methods
	}
	return t, nil
}

// target returns the oslo client for bt.
func (t *Transport) target(bt broker.Target) *Client {
	return t.client.Prepare(Target{Exchange: bt.Exchange, Topic: bt.Topic, Server: bt.Server, Fanout: bt.Fanout})
}

// Call sends m, a JSON-RPC call, to one server of bt and appends the JSON-RPC answer to dst.
func (t *Transport) Call(ctx context.Context, bt broker.Target, m *broker.Message, dst []byte) ([]byte, error) {
	if bt.Fanout {
		return dst, fmt.Errorf("%w: a call cannot fan out", broker.ErrUnsupported)
	}
	if m.Protocol == "xmlrpc" {
		return t.callXML(ctx, bt, m, dst)
	}
	call, err := parseCall(m)
	if err != nil {
		return dst, err
	}
	ctx, cancel := messageContext(ctx, m)
	defer cancel()
	res, err := t.target(bt).CallRaw(ctx, call.Method, call.args)
	var re *RemoteError
	switch {
	case errors.As(err, &re):
		return appendFault(dst, call.Version, call.ID, re)
	case err != nil:
		return dst, asBrokerError("call", bt, call.Method, err)
	}
	return appendResult(dst, call.Version, call.ID, res), nil
}

// Cast sends m to one server of bt, bt.Server, or all of them when bt.Fanout.
func (t *Transport) Cast(ctx context.Context, bt broker.Target, m *broker.Message) error {
	if m.Durable {
		return fmt.Errorf("%w: oslo.messaging has no durable casts", broker.ErrUnsupported)
	}
	var method string
	var args json.RawMessage
	if m.Protocol == "xmlrpc" {
		var err error
		if method, args, err = xmlCall(m.Body); err != nil {
			return err
		}
	} else {
		call, err := parseCall(m)
		if err != nil {
			return err
		}
		method, args = call.Method, call.args
	}
	ctx, cancel := messageContext(ctx, m)
	defer cancel()
	if err := t.target(bt).Cast(ctx, method, args); err != nil {
		return asBrokerError("cast", bt, method, err)
	}
	return nil
}

// callXML is Call for an XML-RPC body: the answer is an XML-RPC response or fault.
func (t *Transport) callXML(ctx context.Context, bt broker.Target, m *broker.Message, dst []byte) ([]byte, error) {
	method, args, err := xmlCall(m.Body)
	if err != nil {
		return dst, err
	}
	ctx, cancel := messageContext(ctx, m)
	defer cancel()
	res, err := t.target(bt).CallRaw(ctx, method, args)
	var re *RemoteError
	if err != nil && !errors.As(err, &re) {
		return dst, asBrokerError("call", bt, method, err)
	}
	return appendXMLAnswer(dst, res, re)
}

// Listen serves cfg.Target with h, on the queues a Python oslo.messaging server of that
// target would consume.
func (t *Transport) Listen(ctx context.Context, cfg broker.ListenConfig, h broker.Handler) (broker.Listener, error) {
	if cfg.Durable {
		return nil, fmt.Errorf("%w: oslo.messaging has no durable casts", broker.ErrUnsupported)
	}
	sc := t.server
	sc.Topic, sc.Server = cfg.Target.Topic, cfg.Target.Server
	if cfg.Target.Exchange != "" {
		sc.Exchange = cfg.Target.Exchange
	}
	if cfg.MaxInFlight > 0 {
		sc.MaxInFlight = cfg.MaxInFlight
	}
	if err := VerifyConfig(&sc); err != nil {
		return nil, fmt.Errorf("%w: %v", broker.ErrInvalidConfig, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, broker.ErrClosed
	}
	s, err := startServer(ctx, t.url, &Server{cfg: sc, deliver: h, lookup: t.methods})
	if err != nil {
		return nil, asBrokerError("listen", cfg.Target, "", err)
	}
	t.listeners = append(t.listeners, s)
	return listener{s}, nil
}

// Close closes the connections; listeners stop at once.
func (t *Transport) Close() error {
	t.mu.Lock()
	ls := t.listeners
	t.listeners, t.closed = nil, true
	t.mu.Unlock()
	var errs []error
	for _, s := range ls {
		errs = append(errs, s.Close())
	}
	return errors.Join(append(errs, t.client.Close())...)
}

// jsonrpcCall is the part of a JSON-RPC request a message carries.
type jsonrpcCall struct {
	Version string          `json:"jsonrpc"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
	ID      json.RawMessage `json:"id"`
	args    json.RawMessage
}

// parseCall reads m's body as a single JSON-RPC call and its params as keyword arguments.
func parseCall(m *broker.Message) (*jsonrpcCall, error) {
	if m.Protocol != "jsonrpc" {
		return nil, fmt.Errorf("%w: %s bodies over oslo.messaging (use a JSON-RPC codec)", broker.ErrUnsupported, m.Protocol)
	}
	var c jsonrpcCall
	body := bytes.TrimSpace(m.Body)
	if len(body) == 0 || body[0] != '{' || json.Unmarshal(body, &c) != nil || c.Method == "" {
		return nil, fmt.Errorf("%w: %v", broker.ErrUnsupported, ErrUnsupportedProtocol)
	}
	args, err := keywordArgs(c.Params)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", broker.ErrUnsupported, err)
	}
	c.args = args
	return &c, nil
}

// messageContext puts m's request context, request id and timeout on ctx.
func messageContext(ctx context.Context, m *broker.Message) (context.Context, context.CancelFunc) {
	rc := map[string]any(m.Context)
	if m.RequestID != "" {
		rc = mapsWith(rc, "request_id", m.RequestID)
	}
	if rc != nil {
		ctx = WithRequestContext(ctx, rc)
	}
	if m.Timeout > 0 {
		return context.WithTimeout(ctx, m.Timeout)
	}
	return context.WithCancel(ctx)
}

// asBrokerError maps this package's transport errors onto package broker's.
func asBrokerError(op string, bt broker.Target, method string, err error) error {
	var ue *UnroutableError
	var te *TimeoutError
	var tr *TransportError
	switch {
	case errors.As(err, &ue):
		return &broker.NoServerError{Target: bt, Method: method}
	case errors.As(err, &te):
		return &broker.TimeoutError{Target: bt, Method: method}
	case errors.Is(err, ErrClosed):
		return fmt.Errorf("%w: %v", broker.ErrClosed, err)
	case errors.As(err, &tr):
		return &broker.TransportError{Op: op, Target: bt, Method: method, Sent: tr.Sent, Err: err}
	}
	return &broker.TransportError{Op: op, Target: bt, Method: method, Sent: true, Err: err}
}
