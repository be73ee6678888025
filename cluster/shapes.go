package cluster

import (
	"context"
	"errors"
	"fmt"

	"github.com/harp-rpc/harp/rpc"
)

// NamedCaller is implemented by a Caller that also calls a method with named parameters: params is one value
// (a struct or a map) encoded as the protocol's named parameters (a JSON-RPC object, an XML-RPC
// struct as the only parameter). *client.Client implements it.
type NamedCaller interface {
	// CallNamed calls method with params and decodes the answer into reply (which may be nil).
	CallNamed(ctx context.Context, method string, reply any, params any) error
}

// BatchCaller is implemented by a Caller that also sends several calls in one request (a JSON-RPC batch).
// *client.Client implements it.
type BatchCaller interface {
	// Batch sends calls in one request; after it returns nil each call's Err holds its own
	// outcome (see rpc.Call).
	Batch(ctx context.Context, calls ...*rpc.Call) error
}

// MultiCaller is implemented by a Caller that also sends several calls as one XML-RPC system.multicall.
// *client.Client implements it.
type MultiCaller interface {
	// MultiCall sends calls as one system.multicall; after it returns nil each call's Err holds
	// its own outcome (see rpc.Call).
	MultiCall(ctx context.Context, calls ...*rpc.Call) error
}

// A Cluster is itself a Caller of every shape, so clusters nest and a gateway forwards raw
// bodies through one as through any rpc.Transport.
var (
	_ NamedCaller   = (*Cluster)(nil)
	_ BatchCaller   = (*Cluster)(nil)
	_ MultiCaller   = (*Cluster)(nil)
	_ rpc.Transport = (*Cluster)(nil)
)

// ErrUnsupported reports a call of a shape (named parameters, batch, multicall, raw bytes) that
// an endpoint's Caller does not implement. *UnsupportedError wraps it.
var ErrUnsupported = errors.New("cluster: call shape not supported by the endpoint's Caller")

// ErrNilCall reports a nil *rpc.Call in a batch, or a nil *rpc.Request. Such a call is never sent.
var ErrNilCall = errors.New("cluster: nil call")

// UnsupportedError is the error of an attempt on an endpoint whose Caller lacks the interface
// the call's shape needs. Nothing was sent: NotSent reports true, so the call moves on to another
// endpoint, and the endpoint's health is untouched (it is not a failure of the endpoint). When
// no endpoint supports the shape, the call's *CallError wraps it. It wraps ErrUnsupported.
type UnsupportedError struct {
	URL       string // the endpoint
	Shape     string // "named", "batch", "multicall" or "raw"
	Interface string // the interface needed, e.g. "cluster.BatchCaller"
	Caller    string // the Caller's type, e.g. "*client.Client"
}

// Error names the endpoint, the Caller's type and the interface it lacks.
func (e *UnsupportedError) Error() string {
	return "cluster: endpoint " + e.URL + ": its Caller (" + e.Caller + ") does not implement " + e.Interface + ", needed for a " + e.Shape + " call"
}

// Unwrap returns ErrUnsupported.
func (e *UnsupportedError) Unwrap() error { return ErrUnsupported }

// NotSent returns true: nothing was sent.
func (e *UnsupportedError) NotSent() bool { return true }

func typeName(v any) string { return fmt.Sprintf("%T", v) }

// CallNamed calls method with named parameters params (a struct or a map) on the cluster, as
// Call does with positional ones: same policies, modes, health, retries and at-most-once rule,
// from the method's MethodConfig. consistent_hash hashes the method with the whole params value
// (HashParam -1 hashes the method alone). Each endpoint's Caller must be a NamedCaller; one that
// is not is skipped with an *UnsupportedError, never counted against its health.
func (c *Cluster) CallNamed(ctx context.Context, method string, reply any, params any) error {
	o := operation{shape: shapeNamed, method: method, reply: reply, params: params}
	return c.do(ctx, &o)
}

// Batch sends calls in one request (a JSON-RPC batch) to one endpoint of the cluster, through
// its Caller's BatchCaller, and returns the request's outcome; after it returns nil each call's
// Err holds its own (a fault of one entry is that entry's answer, the batch succeeded).
//
// The batch is configured as the method "batch" in Config.Methods (mode, timeout, attempts,
// HashParam), but it is idempotent, and retried after a failure that may have reached a server,
// only when every entry's method is declared Idempotent: otherwise it is sent at most once, like
// any call. consistent_hash routes it by its first call's method and parameter. In forking and
// broadcast mode each copy decodes into fresh replies of each entry's Reply type and fresh Errs,
// and the winner's (forking) or the first successful endpoint's in configuration order
// (broadcast) are copied into calls: no two copies write to the same value.
func (c *Cluster) Batch(ctx context.Context, calls ...*rpc.Call) error {
	if err := checkCalls(calls); err != nil {
		return err
	}
	o := operation{shape: shapeBatch, method: "batch", calls: calls}
	return c.do(ctx, &o)
}

// MultiCall sends calls as one XML-RPC system.multicall to one endpoint of the cluster, through
// its Caller's MultiCaller, with the rules of Batch; it is configured as the method
// "system.multicall".
func (c *Cluster) MultiCall(ctx context.Context, calls ...*rpc.Call) error {
	if err := checkCalls(calls); err != nil {
		return err
	}
	o := operation{shape: shapeMulti, method: "system.multicall", calls: calls}
	return c.do(ctx, &o)
}

func checkCalls(calls []*rpc.Call) error {
	for i, c := range calls {
		if c == nil {
			return fmt.Errorf("cluster: batch entry %d: %w", i, ErrNilCall)
		}
	}
	return nil
}

// RoundTrip forwards an encoded request to one endpoint of the cluster through its Caller's
// rpc.Transport and appends the answer to dst, so a *Cluster is itself an rpc.Transport (a
// gateway forwards bodies through it without decoding them). The cluster never reads the body:
// req.Method chooses the MethodConfig, and says whether the request is idempotent. A raw batch's
// method is "batch" or "system.multicall", which is not idempotent unless Config.Methods declares
// it so, since the cluster cannot see its entries. consistent_hash hashes req.Method alone (or
// the context's WithHashKey). A fault is an answer body like any other: a success for the
// cluster. In forking and broadcast mode each copy appends to a fresh buffer and the winner's
// answer is appended to dst. On failure it returns dst unchanged and the error.
func (c *Cluster) RoundTrip(ctx context.Context, req *rpc.Request, dst []byte) ([]byte, error) {
	if req == nil {
		return dst, fmt.Errorf("cluster: RoundTrip: %w", ErrNilCall)
	}
	o := operation{shape: shapeRaw, method: req.Method, req: req, dst: dst}
	if err := c.do(ctx, &o); err != nil {
		return dst, err
	}
	return o.dst, nil
}
