package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/xmlrpc"
)

// testServer is a small but real XML-RPC server made of the codec and net/http, so the client's
// tests run against a real HTTP peer before and independently of harp's server package.
type testServer struct {
	*httptest.Server
	calls     atomic.Int64 // calls dispatched
	gzipAbove int          // compress responses above this size when asked; <0 never
	lastReq   atomic.Pointer[http.Request]
}

// testMethod is a method of the test server.
type testMethod func(ctx context.Context, call *xmlrpc.Call) (any, error)

var testMethods = map[string]testMethod{
	"add": func(_ context.Context, c *xmlrpc.Call) (any, error) {
		var a, b int
		if err := decodeParams(c, &a, &b); err != nil {
			return nil, err
		}
		return a + b, nil
	},
	"echo": func(_ context.Context, c *xmlrpc.Call) (any, error) {
		var v any
		if err := decodeParams(c, &v); err != nil {
			return nil, err
		}
		return v, nil
	},
	"fault": func(_ context.Context, c *xmlrpc.Call) (any, error) {
		f := &xmlrpc.Fault{}
		if err := decodeParams(c, &f.Code, &f.String); err != nil {
			return nil, err
		}
		return nil, f
	},
	"sleep": func(ctx context.Context, c *xmlrpc.Call) (any, error) {
		var ms int
		if err := decodeParams(c, &ms); err != nil {
			return nil, err
		}
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
			return "slept", nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	},
	"repeat": func(_ context.Context, c *xmlrpc.Call) (any, error) {
		var s string
		var n int
		if err := decodeParams(c, &s, &n); err != nil {
			return nil, err
		}
		return strings.Repeat(s, n), nil
	},
	"header": func(ctx context.Context, c *xmlrpc.Call) (any, error) {
		var name string
		if err := decodeParams(c, &name); err != nil {
			return nil, err
		}
		return ctx.Value(requestKey{}).(*http.Request).Header.Get(name), nil
	},
	"path": func(ctx context.Context, c *xmlrpc.Call) (any, error) {
		return ctx.Value(requestKey{}).(*http.Request).URL.Path, nil
	},
}

type requestKey struct{}

func decodeParams(c *xmlrpc.Call, ptrs ...any) error {
	if c.NumParams() != len(ptrs) {
		return &xmlrpc.Fault{Code: xmlrpc.CodeInvalidParams, String: "wrong parameter count"}
	}
	for i, p := range ptrs {
		if err := c.DecodeParam(i, p); err != nil {
			return &xmlrpc.Fault{Code: xmlrpc.CodeInvalidParams, String: err.Error()}
		}
	}
	return nil
}

// newTestServer starts a test server; configure may adjust its http.Server before it starts.
func newTestServer(t testing.TB, configure ...func(*http.Server)) *testServer {
	ts := &testServer{gzipAbove: 256}
	ts.Server = httptest.NewUnstartedServer(ts)
	for _, f := range configure {
		f(ts.Config)
	}
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ts.lastReq.Store(r)
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	data, err := io.ReadAll(io.LimitReader(body, 16<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	call, err := xmlrpc.DecodeCall(data)
	var out []byte
	if err != nil {
		out, _ = xmlrpc.MarshalFault(&xmlrpc.Fault{Code: xmlrpc.CodeParseError, String: err.Error()})
	} else {
		ctx := context.WithValue(r.Context(), requestKey{}, r)
		result, err := ts.dispatch(ctx, call)
		var f *xmlrpc.Fault
		switch {
		case errors.As(err, &f):
			out, _ = xmlrpc.MarshalFault(f)
		case err != nil:
			out, _ = xmlrpc.MarshalFault(&xmlrpc.Fault{Code: xmlrpc.CodeInternalError, String: err.Error()})
		default:
			if out, err = xmlrpc.MarshalResponse(result); err != nil {
				out, _ = xmlrpc.MarshalFault(&xmlrpc.Fault{Code: xmlrpc.CodeInternalError, String: err.Error()})
			}
		}
	}
	w.Header().Set("Content-Type", "text/xml")
	if ts.gzipAbove >= 0 && len(out) > ts.gzipAbove && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		zw.Write(out)
		zw.Close()
		out = zb.Bytes()
		w.Header().Set("Content-Encoding", "gzip")
	}
	w.Write(out)
}

func (ts *testServer) dispatch(ctx context.Context, call *xmlrpc.Call) (any, error) {
	if call.Method == "system.multicall" {
		var batch []struct {
			MethodName string `xmlrpc:"methodName"`
			Params     []any  `xmlrpc:"params"`
		}
		if err := decodeParams(call, &batch); err != nil {
			return nil, err
		}
		results := make([]any, len(batch))
		for i, b := range batch {
			doc, err := xmlrpc.MarshalCall(b.MethodName, b.Params...)
			var sub *xmlrpc.Call
			if err == nil {
				sub, err = xmlrpc.DecodeCall(doc)
			}
			var r any
			if err == nil {
				r, err = ts.dispatch(ctx, sub)
			}
			var f *xmlrpc.Fault
			switch {
			case errors.As(err, &f):
				results[i] = map[string]any{"faultCode": f.Code, "faultString": f.String}
			case err != nil:
				results[i] = map[string]any{"faultCode": xmlrpc.CodeInternalError, "faultString": err.Error()}
			default:
				results[i] = []any{r}
			}
		}
		return results, nil
	}
	m, ok := testMethods[call.Method]
	if !ok {
		return nil, &xmlrpc.Fault{Code: xmlrpc.CodeMethodNotFound, String: "method not found: " + call.Method}
	}
	ts.calls.Add(1)
	return m(ctx, call)
}
