package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/xmlrpc"
)

// encodingRecorder is a RoundTripper that remembers the Content-Encoding of the last response.
type encodingRecorder struct {
	rt   http.RoundTripper
	last atomic.Value // string
}

func (e *encodingRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := e.rt.RoundTrip(r)
	if err == nil {
		e.last.Store(resp.Header.Get("Content-Encoding"))
	}
	return resp, err
}

// TestAgainstCPythonServer runs the client against CPython's SimpleXMLRPCServer with
// ThreadingMixIn, allow_none and use_builtin_types.
func TestAgainstCPythonServer(t *testing.T) {
	py := peertest.Python(t)
	url := "http://127.0.0.1:" + peertest.StartPort(t, exec.Command(py, "testdata/pyserver.py"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rec := &encodingRecorder{rt: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}}
	c := newClient(t, url, WithTransport(rec))

	// The seed's example.
	var n int
	if err := c.Call(ctx, "pow", &n, 2, 10); err != nil || n != 1024 {
		t.Fatalf("pow: %d, %v", n, err)
	}
	if err := c.Call(ctx, "add", &n, 2, 3); err != nil || n != 5 {
		t.Fatalf("add: %d, %v", n, err)
	}
	if err := c.Call(ctx, "div", &n, 7, 2); err != nil || n != 3 {
		t.Fatalf("div: %d, %v", n, err)
	}

	// Every type CPython reads and writes round-trips.
	when := time.Date(1998, 7, 17, 14, 8, 55, 0, time.UTC)
	for _, v := range []any{
		"héllo wörld ✓ <&> \"'", "", 42, -2147483648, 1.5, 1e300, true, false, nil, when,
		[]byte{0, 1, 2, 255}, []any{1, "a", []any{}}, map[string]any{"k": map[string]any{"n": nil}},
	} {
		var got any
		if err := c.Call(ctx, "echo", &got, v); err != nil {
			t.Errorf("echo %#v: %v", v, err)
			continue
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("echo %#v: got %#v", v, got)
		}
	}
	var typ string
	if err := c.Call(ctx, "typeof", &typ, []byte("hi")); err != nil || typ != "bytes" {
		t.Errorf("base64 arrives in Python as %q (%v), want bytes (use_builtin_types)", typ, err)
	}
	if err := c.Call(ctx, "typeof", &typ, when); err != nil || typ != "datetime" {
		t.Errorf("dateTime arrives in Python as %q (%v), want datetime", typ, err)
	}
	// CPython reads <i8>, but cannot write integers beyond 32 bits: echoing one is a fault.
	if err := c.Call(ctx, "typeof", &typ, int64(1)<<40); err != nil || typ != "int" {
		t.Errorf("i8 arrives in Python as %q (%v), want int", typ, err)
	}
	var f *xmlrpc.Fault
	if err := c.Call(ctx, "echo", nil, int64(1)<<40); !errors.As(err, &f) || !strings.Contains(f.String, "OverflowError") {
		t.Errorf("echo of an i8: %v, want CPython's OverflowError fault", err)
	}

	// A fault from a Python exception.
	err := c.Call(ctx, "div", nil, 1, 0)
	if !errors.As(err, &f) || !strings.Contains(f.String, "ZeroDivisionError") {
		t.Fatalf("div by zero: %v", err)
	}
	if err := c.Call(ctx, "nope", nil); !errors.As(err, &f) || !strings.Contains(f.String, "not supported") {
		t.Fatalf("unknown method: %v", err)
	}

	// Responses over 1400 bytes come gzip-compressed, because the client accepts gzip.
	var big string
	if err := c.Call(ctx, "big", &big, 100000); err != nil || len(big) != 100000 {
		t.Fatalf("big: %d bytes, %v", len(big), err)
	}
	if enc, _ := rec.last.Load().(string); enc != "gzip" {
		t.Fatalf("CPython's large response came with Content-Encoding %q, want gzip", enc)
	}
	// CPython also accepts gzip-compressed requests.
	gz := newClient(t, url, WithGzipRequests(100))
	long := strings.Repeat("compress me ", 1000)
	var echoed string
	if err := gz.Call(ctx, "echo", &echoed, long); err != nil || echoed != long {
		t.Fatalf("gzip request: %d bytes, %v", len(echoed), err)
	}
	var ce string
	if err := gz.Call(ctx, "header", &ce, "Content-Encoding", long); err != nil || ce != "gzip" {
		t.Fatalf("large request reached CPython with Content-Encoding %q (%v), want gzip", ce, err)
	}

	// Introspection and multicall.
	var methods []string
	if err := c.Call(ctx, "system.listMethods", &methods); err != nil || !contains(methods, "div") || !contains(methods, "system.multicall") {
		t.Fatalf("listMethods: %v, %v", methods, err)
	}
	var sum int
	var q float64
	calls := []*Call{NewCall("add", &sum, 1, 2), NewCall("div", nil, 1, 0), NewCall("pow", &q, 2.0, 0.5)}
	if err := c.MultiCall(ctx, calls...); err != nil {
		t.Fatal(err)
	}
	if calls[0].Err != nil || sum != 3 || !errors.As(calls[1].Err, &f) || calls[2].Err != nil || q < 1.41 || q > 1.42 {
		t.Fatalf("multicall: %d %v / %v / %v %v", sum, calls[0].Err, calls[1].Err, q, calls[2].Err)
	}

	// 64 goroutines share the client against the threading server.
	var wg sync.WaitGroup
	errs := make(chan error, 64*5)
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				var r int
				if err := c.Call(ctx, "add", &r, g, i); err != nil || r != g+i {
					errs <- fmt.Errorf("add(%d,%d) = %d, %v", g, i, r, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// The context's deadline ends a slow call.
	short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancelShort()
	var te *TransportError
	if err := c.Call(short, "slow", nil, 2); !errors.As(err, &te) || !te.Timeout() {
		t.Fatalf("slow call past its deadline: %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
