package cluster

import (
	"context"

	"github.com/harp-rpc/harp/rpc"
)

// shape is the form of a call the cluster runs: what an attempt asks of an endpoint's Caller.
type shape uint8

const (
	shapeCall  shape = iota // Caller.Call: positional parameters
	shapeNamed              // NamedCaller.CallNamed: one parameters value
	shapeBatch              // BatchCaller.Batch: several calls in one request
	shapeMulti              // MultiCaller.MultiCall: several calls in one system.multicall
	shapeRaw                // rpc.Transport.RoundTrip: an encoded body forwarded as is
)

var shapeNames = [...]string{"call", "named", "batch", "multicall", "raw"}

// operation is one call of any shape, as the cluster's core runs it: every attempt, copy and
// broadcast runs the same operation on an endpoint's Caller. A call's operation lives in its
// caller's stack frame (the core never keeps a pointer to it past the call), so Call allocates
// nothing for it; copies that run beside others are forks with fresh replies.
type operation struct {
	shape  shape
	method string // the method, or the shape's name for configuration ("batch", "system.multicall")
	reply  any    // shapeCall, shapeNamed
	args   []any  // shapeCall
	params any    // shapeNamed
	calls  []*rpc.Call
	req    *rpc.Request // shapeRaw
	// dst is, for shapeRaw, where the answer is appended, and after a successful run the answer
	// itself (the caller keeps its own dst for failures)
	dst []byte
}

// supports reports whether c implements the interface o's shape needs.
func (o *operation) supports(c Caller) bool {
	var ok bool
	switch o.shape {
	case shapeNamed:
		_, ok = c.(NamedCaller)
	case shapeBatch:
		_, ok = c.(BatchCaller)
	case shapeMulti:
		_, ok = c.(MultiCaller)
	case shapeRaw:
		_, ok = c.(rpc.Transport)
	default:
		ok = true
	}
	return ok
}

// unsupported returns the error of an attempt whose Caller lacks o's interface.
func (o *operation) unsupported(url string, c Caller) error {
	names := [...]string{"cluster.Caller", "cluster.NamedCaller", "cluster.BatchCaller", "cluster.MultiCaller", "rpc.Transport"}
	return &UnsupportedError{URL: url, Shape: shapeNames[o.shape], Interface: names[o.shape], Caller: typeName(c)}
}

// run makes one attempt of o on c, which supports it.
func (o *operation) run(ctx context.Context, c Caller) error {
	switch o.shape {
	case shapeNamed:
		return c.(NamedCaller).CallNamed(ctx, o.method, o.reply, o.params)
	case shapeBatch:
		return c.(BatchCaller).Batch(ctx, o.calls...)
	case shapeMulti:
		return c.(MultiCaller).MultiCall(ctx, o.calls...)
	case shapeRaw:
		out, err := c.(rpc.Transport).RoundTrip(ctx, o.req, o.dst)
		if err == nil {
			o.dst = out
		}
		return err
	}
	return c.Call(ctx, o.method, o.reply, o.args...)
}

// fork returns a copy of o that may run beside o's other copies: it shares the read-only parts
// (method, parameters, the raw request) and writes its answer only to values of its own (a
// fresh reply of each reply's type, fresh batch entries, a fresh buffer).
func (o *operation) fork() *operation {
	f := *o
	switch o.shape {
	case shapeCall, shapeNamed:
		f.reply = newReply(o.reply)
	case shapeBatch, shapeMulti:
		entries := make([]rpc.Call, len(o.calls))
		f.calls = make([]*rpc.Call, len(o.calls))
		for i, c := range o.calls {
			entries[i] = rpc.Call{Method: c.Method, Args: c.Args, Reply: newReply(c.Reply)}
			f.calls[i] = &entries[i]
		}
	case shapeRaw:
		f.dst = nil
	}
	return &f
}

// adopt copies the answer of f, a fork of o that succeeded, into o's own replies.
func (o *operation) adopt(f *operation) {
	switch o.shape {
	case shapeCall, shapeNamed:
		setReply(o.reply, f.reply)
	case shapeBatch, shapeMulti:
		for i, c := range o.calls {
			setReply(c.Reply, f.calls[i].Reply)
			c.Err = f.calls[i].Err
		}
	case shapeRaw:
		o.dst = append(o.dst, f.dst...)
	}
}

// answer returns what a fork's run produced, for a broadcast's Result.Reply: the reply, the
// batch entries, or the raw answer.
func (o *operation) answer() any {
	switch o.shape {
	case shapeBatch, shapeMulti:
		return o.calls
	case shapeRaw:
		return o.dst
	}
	return o.reply
}

// hashKey returns o's consistent-hash key for the parameter at index param: the context's key
// (WithHashKey) first; then for positional calls the method and that parameter, for named
// parameters the method and the whole parameters value (param -1 leaves it out), for a batch its
// first call's, and for a raw body, whose parameters the cluster never reads, the method alone.
func (o *operation) hashKey(ctx context.Context, param int) uint64 {
	switch o.shape {
	case shapeNamed:
		if k, ok := ctx.Value(hashKeyCtx{}).(string); ok {
			return hashString(k)
		}
		if param < 0 || o.params == nil {
			return hashString(o.method)
		}
		return hashValue(o.method, o.params)
	case shapeBatch, shapeMulti:
		if len(o.calls) > 0 {
			return hashKey(ctx, o.calls[0].Method, param, o.calls[0].Args)
		}
	case shapeCall:
		return hashKey(ctx, o.method, param, o.args)
	}
	return hashKey(ctx, o.method, -1, nil)
}

// idempotent reports whether o may run twice, mc being the settings of its method (or shape):
// a batch only when every entry's method is declared Idempotent, any other shape when its
// method is (a raw body's method is its Request.Method, "batch" or "system.multicall" for
// several calls, whose entries the cluster cannot see).
func (o *operation) idempotent(methods *methodTable, mc *MethodConfig) bool {
	if o.shape != shapeBatch && o.shape != shapeMulti {
		return mc.Idempotent
	}
	if len(o.calls) == 0 {
		return false
	}
	for _, c := range o.calls {
		if mc, _ := methods.lookup(c.Method); !mc.Idempotent {
			return false
		}
	}
	return true
}
