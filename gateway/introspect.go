package gateway

import (
	"context"
	"net/http"
	"sort"
	"sync"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// introspective reports whether method is one the gateway answers across pools.
func introspective(method string) bool {
	switch method {
	case rpc.MethodListMethods, rpc.MethodMethodHelp, rpc.MethodMethodSignature:
		return true
	}
	return false
}

// introspectionSpansPools reports whether the call needs the gateway: system.listMethods when
// the routes on path reach more than one pool, methodHelp and methodSignature always (they go to
// the pool of the method they name).
func (s *state) introspectionSpansPools(path, proto, method string) bool {
	if method != rpc.MethodListMethods {
		return true
	}
	return len(s.poolsOn(path, proto)) > 1
}

// poolsOn returns the distinct pools the routes on path reach, in route order.
func (s *state) poolsOn(path, proto string) []*pool {
	var out []*pool
	for _, r := range s.routes {
		if (r.proto == "" || r.proto == proto) && (len(r.paths) == 0 || contains(r.paths, path)) && !containsPool(out, r.pool) {
			out = append(out, r.pool)
		}
	}
	return out
}

func containsPool(ps []*pool, p *pool) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// introspect answers an XML-RPC introspection call: the union of every pool's methods (those a
// route on this path takes), or the help or signature of the named method from its pool.
func (x *exchange) introspect(c *xmlrpc.Call) {
	if c.Method != rpc.MethodListMethods {
		name, ok := c.StringParam(0)
		rt := x.s.route(x.r.URL.Path, x.proto, name)
		if !ok || rt == nil {
			x.noRoute(name, nil, false)
			return
		}
		x.forward(rt, c.Method, rt.pool.key(c.Method), false, nil, false)
		return
	}
	methods, out := x.listMethods()
	x.out = out
	body, err := xmlrpc.MarshalResponse(methods)
	if err != nil {
		x.refuse(gatewayError{status: http.StatusOK, code: rpc.CodeInternalError, msg: "gateway: " + err.Error()}, nil, false)
		return
	}
	x.writeBody(http.StatusOK, xmlType, body)
}

// introspectJSON is introspect for a JSON-RPC request.
func (x *exchange) introspectJSON(req *jsonrpc.Request) {
	ids := []jsonrpc.ID{req.ID}
	if req.Method != rpc.MethodListMethods {
		name, ok := req.StringParam(0)
		rt := x.s.route(x.r.URL.Path, x.proto, name)
		if !ok || rt == nil {
			x.noRoute(name, ids, false)
			return
		}
		x.forward(rt, req.Method, rt.pool.key(req.Method), req.IsNotification(), ids, false)
		return
	}
	methods, out := x.listMethods()
	x.out = out
	body, err := new(jsonrpc.EncodeOptions).AppendResponse(nil, req, methods)
	if err != nil {
		x.refuse(gatewayError{status: http.StatusOK, code: rpc.CodeInternalError, msg: "gateway: " + err.Error()}, ids, false)
		return
	}
	x.writeBody(http.StatusOK, jsonType, body)
}

// listMethods asks every pool on the request's path for its methods at once and returns the
// sorted union of those a route here would send to that pool. A pool that fails adds nothing.
func (x *exchange) listMethods() ([]string, Outcome) {
	pools := x.s.poolsOn(x.r.URL.Path, x.proto)
	ctx, cancel := x.context(rpc.MethodListMethods, nil)
	defer cancel()
	var mu sync.Mutex
	set := map[string]bool{}
	out := OutcomeOK
	var wg sync.WaitGroup
	for _, p := range pools {
		wg.Add(1)
		go func() {
			defer wg.Done()
			names, err := poolMethods(ctx, p)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				out = OutcomeError
				return
			}
			for _, n := range names {
				if rt := x.s.route(x.r.URL.Path, x.proto, n); rt != nil && rt.pool == p || introspective(n) {
					set[n] = true
				}
			}
		}()
	}
	wg.Wait()
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, out
}

func poolMethods(ctx context.Context, p *pool) ([]string, error) {
	if !p.acquire() {
		return nil, &bodyError{http.StatusServiceUnavailable, "overloaded"}
	}
	defer p.release()
	var names []string
	err := p.cluster.Call(ctx, rpc.MethodListMethods, &names)
	return names, err
}
