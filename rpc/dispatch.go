package rpc

import "context"

// Dispatcher runs one call: the method name and parameters a wire format parsed, with the
// Protocol it arrived in. *Registry is the usual Dispatcher; a gateway's forwarder, a catch-all or
// a wrapper that adds checks in front of a registry are others. The serving core hands every call
// of a request (a single call, each entry of a JSON-RPC batch) to one; system.multicall is itself a
// method, answered by the Dispatcher (a Registry runs its entries; a forwarder may pass it on).
//
// Call returns the method's result, or an error that the protocol answers as a fault (see
// Translate). Parameters are valid only until Call returns: the serving core reuses their memory.
type Dispatcher interface {
	Call(ctx context.Context, p *Protocol, method string, ps Params) (any, error)
}

// DispatcherFunc adapts a function to the Dispatcher interface.
type DispatcherFunc func(ctx context.Context, p *Protocol, method string, ps Params) (any, error)

// Call calls f.
func (f DispatcherFunc) Call(ctx context.Context, p *Protocol, method string, ps Params) (any, error) {
	return f(ctx, p, method, ps)
}

// MethodLister is implemented by Dispatchers that can list their methods, as *Registry does; a
// server's documentation page lists them. A Dispatcher without it gets a page without methods.
type MethodLister interface {
	Methods() []*Method
	Version() uint64
}

var _ Dispatcher = (*Registry)(nil)
var _ MethodLister = (*Registry)(nil)
