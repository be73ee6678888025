package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// Client calls methods on one XML-RPC server, or JSON-RPC server with WithJSONRPC. It is safe for
// any number of goroutines at once: calls share a pool of keep-alive connections, and none waits
// for another except through the pool's limits (WithMaxConnsPerHost). Make one Client per server
// and reuse it.
//
// A Client is harp's calling core (an *rpc.Client: one codec, every call shape) over this
// package's HTTP transport; Core returns that core, and RoundTrip makes the Client itself an
// rpc.Transport. For a transport other than HTTP, use rpc.NewClient.
type Client struct {
	core  *rpc.Client
	tr    *httpTransport
	owned *http.Transport // the transport New built, nil with WithTransport
	codec rpc.ClientCodec
	json  bool
}

// New returns a client for the server at rawURL, which is http://host[:port][/path],
// https://host[:port][/path] or unix:///path/to.sock. An empty path means /RPC2 (as in Python's
// ServerProxy); a unix:// URL names the socket, and its requests go to /RPC2 unless WithPath says
// otherwise. User info in the URL (http://user:pass@host/) is sent as HTTP Basic credentials.
// New does not connect: the first call does.
func New(rawURL string, opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(cfg); err != nil {
			return nil, err
		}
	}
	ep, err := parseEndpoint(rawURL, cfg.path)
	if err != nil {
		return nil, err
	}
	tr := &httpTransport{
		ep:            ep,
		maxSize:       cfg.dec.MaxSize,
		gzipRequests:  cfg.gzipRequests,
		gzipThreshold: cfg.gzipThreshold,
	}
	codec := rpc.NewXMLClientCodec(cfg.enc, cfg.dec)
	if cfg.json {
		codec = rpc.NewJSONClientCodec(cfg.jsonEnc, cfg.jsonDec)
		tr.maxSize = cfg.jsonDec.MaxSize
	}
	if tr.maxSize == 0 {
		tr.maxSize = xmlrpc.DefaultMaxSize
	}
	if cfg.transport != nil {
		if ep.socket != "" {
			return nil, errors.New("client: a unix:// URL needs the client's own transport, not WithTransport")
		}
		tr.rt = cfg.transport
	} else {
		t, err := newTransport(ep, cfg)
		if err != nil {
			return nil, err
		}
		tr.rt, tr.owned = t, t
	}
	tr.tmpl = newTemplates(ep, requestHeader(ep, cfg))
	core, err := rpc.NewClient(tr, &rpc.ClientConfig{Codec: codec, Endpoint: ep.redacted, Timeout: cfg.timeout})
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return &Client{core: core, tr: tr, owned: tr.owned, codec: codec, json: cfg.json}, nil
}

// requestHeader returns the headers every request carries, but for Content-Type.
func requestHeader(ep *endpoint, cfg *config) http.Header {
	h := cfg.header.Clone()
	h.Set("User-Agent", cfg.userAgent)
	if cfg.acceptGzip {
		h.Set("Accept-Encoding", "gzip")
	}
	switch {
	case cfg.hasAuth:
		h.Set("Authorization", basicAuth(cfg.user, cfg.password))
	case ep.user != nil:
		pw, _ := ep.user.Password()
		h.Set("Authorization", basicAuth(ep.user.Username(), pw))
	}
	return h
}

// URL returns the server's URL as given to New, with any password redacted.
func (c *Client) URL() string { return c.tr.ep.redacted }

// Core returns the calling core the Client drives: its codec and call shapes over the Client's
// HTTP transport.
func (c *Client) Core() *rpc.Client { return c.core }

// Call calls method with args and decodes the result into reply, a non-nil pointer, or
// discards it when reply is nil.
//
// A fault answered by the server is returned as an *xmlrpc.Fault. Any other failure is one of
// this package's error types, each with NotSent, Timeout and StatusCode methods: a
// *TransportError (connecting, writing, reading, deadlines), a *StatusError (an HTTP answer other
// than 200) or a *ResponseError (an answer that is not a valid response, or does not fit reply).
// Arguments that cannot be encoded, or a reply that is not a non-nil pointer, give the codec's
// error, wrapped, and nothing is sent.
//
// The context bounds the whole call, connecting included, and cancelling it abandons the call.
// A server handler that calls another server with the ctx it was given passes its own deadline
// and cancellation on, so a chain of calls never outlives the first caller: when the first
// caller gives up, each hop's connection is closed and the next server cancels its handler.
//
// With WithJSONRPC, the call is a JSON-RPC request and an error object answered is a
// *jsonrpc.Error instead of a fault; everything else is the same.
func (c *Client) Call(ctx context.Context, method string, reply any, args ...any) error {
	return c.core.Call(ctx, method, reply, args...)
}

// CallRaw calls method with args like Call, but returns the server's 200 answer undecoded: a
// <methodResponse> document, which may hold a fault (with WithJSONRPC, a JSON-RPC response, which
// may hold an error object). Failures to get that far are returned as by
// Call. It suits debugging tools and proxies; harp call --xml prints its result.
func (c *Client) CallRaw(ctx context.Context, method string, args ...any) ([]byte, error) {
	return c.core.CallRaw(ctx, method, args...)
}

// RoundTrip posts the encoded request req (its Protocol picks the Content-Type) under the
// client's timeout and appends the body of the answer to dst, undecoded: the Client is an
// rpc.Transport, for forwarding bodies it never decodes. Its errors are Call's transport errors.
func (c *Client) RoundTrip(ctx context.Context, req *rpc.Request, dst []byte) ([]byte, error) {
	return c.core.RoundTrip(ctx, req, dst)
}

// Close closes the client's idle connections, and the busy ones as calls in flight finish.
// Calls made after Close fail with ErrClosed (wrapped in a *TransportError, not sent). Close is
// idempotent and always returns nil.
func (c *Client) Close() error {
	return c.tr.Close()
}

var _ rpc.Transport = (*Client)(nil)
