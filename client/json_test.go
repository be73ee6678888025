package client

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// login is a Zabbix-style named parameter object.
type login struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// jsonServer serves a registry over both protocols with cfg (nil means the default) and returns
// its URL and a channel receiving every notification's argument.
func jsonServer(t *testing.T, cfg *server.Config) (string, <-chan string) {
	t.Helper()
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	notes := make(chan string, 16)
	reg.MustRegister("add", func(a, b int) int { return a + b }, "Adds.")
	reg.MustRegister("echo", func(v any) any { return v }, "Echoes.")
	reg.MustRegister("blob", func(b []byte, when time.Time) map[string]any {
		return map[string]any{"len": len(b), "year": when.Year(), "bytes": b}
	}, "Describes its arguments.")
	reg.MustRegister("user.login", func(l login) (string, error) {
		if l.Password != "zabbix" {
			return "", &jsonrpc.Error{Code: -32602, Message: "Invalid params.", Data: "Incorrect user name or password."}
		}
		return "token-of-" + l.Username, nil
	}, "Logs in.")
	reg.MustRegister("note", func(s string) { notes <- s }, "Takes a note.")
	reg.MustRegister("fail", func(code int) error { return &xmlrpc.Fault{Code: code, String: "asked to"} }, "Faults.")
	if cfg == nil {
		cfg = server.DefaultConfig()
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	srv, err := server.New(reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL + "/RPC2", notes
}

func TestJSONRPCCall(t *testing.T) {
	url, _ := jsonServer(t, nil)
	c := newClient(t, url, WithJSONRPC())
	ctx := context.Background()
	if !c.JSONRPC() {
		t.Fatal("JSONRPC() false")
	}
	var sum int
	if err := c.Call(ctx, "add", &sum, 2, 3); err != nil || sum != 5 {
		t.Fatalf("add: %d %v", sum, err)
	}
	var got map[string]any
	when := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	if err := c.Call(ctx, "blob", &got, []byte{0, 255}, when); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, map[string]any{"len": 2, "year": 2024, "bytes": "AP8="}) {
		t.Fatalf("blob: %v", got)
	}
	var big int64
	if err := c.Call(ctx, "echo", &big, int64(1)<<62+1); err != nil || big != 1<<62+1 {
		t.Fatalf("echo: %d %v", big, err)
	}
	if err := c.Call(ctx, "add", nil, 1, 1); err != nil {
		t.Fatalf("nil reply: %v", err)
	}

	// A remote error is a *jsonrpc.Error, an application answer with no transport methods.
	err := c.Call(ctx, "fail", nil, 4711)
	var je *jsonrpc.Error
	if !errors.As(err, &je) || je.Code != 4711 || je.Message != "asked to" || je.FaultCode() != 4711 {
		t.Fatalf("fail: %v", err)
	}
	if _, transport := err.(interface{ NotSent() bool }); transport {
		t.Fatalf("a remote error looks like a transport error: %T", err)
	}
	if err := c.Call(ctx, "nope", nil); !errors.As(err, &je) || je.Code != jsonrpc.CodeMethodNotFound {
		t.Fatalf("unknown method: %v", err)
	}
	// A reply that cannot hold the result is a ResponseError; an unusable reply is refused unsent.
	var s string
	var re *ResponseError
	if err := c.Call(ctx, "add", &s, 1, 2); !errors.As(err, &re) {
		t.Fatalf("wrong reply type: %v", err)
	}
	var inv *jsonrpc.InvalidUnmarshalError
	if err := c.Call(ctx, "add", s, 1, 2); !errors.As(err, &inv) {
		t.Fatalf("non-pointer reply: %v", err)
	}
	raw, err := c.CallRaw(ctx, "add", 2, 3)
	if err != nil || !strings.HasSuffix(string(raw), `"result":5}`) {
		t.Fatalf("CallRaw: %s %v", raw, err)
	}
}

func TestJSONRPCCallNamed(t *testing.T) {
	url, _ := jsonServer(t, nil)
	ctx := context.Background()
	for _, opts := range [][]Option{{WithJSONRPC()}, nil} { // JSON-RPC named params; XML-RPC one struct
		c := newClient(t, url, opts...)
		var token string
		if err := c.CallNamed(ctx, "user.login", &token, login{Username: "Admin", Password: "zabbix"}); err != nil || token != "token-of-Admin" {
			t.Fatalf("JSON-RPC %v: %q %v", c.JSONRPC(), token, err)
		}
		err := c.CallNamed(ctx, "user.login", &token, map[string]any{"username": "Admin", "password": "x"})
		var fc interface{ FaultCode() int }
		if !errors.As(err, &fc) || fc.FaultCode() != -32602 {
			t.Fatalf("JSON-RPC %v: wrong password: %v", c.JSONRPC(), err)
		}
	}
	c := newClient(t, url, WithJSONRPC())
	if err := c.CallNamed(ctx, "user.login", nil, []string{"not", "an", "object"}); err == nil {
		t.Fatal("an array as named params was sent")
	}
}

func TestJSONRPCNotify(t *testing.T) {
	url, notes := jsonServer(t, nil)
	ctx := context.Background()
	c := newClient(t, url, WithJSONRPC())
	if err := c.Notify(ctx, "note", "hello"); err != nil {
		t.Fatal(err)
	}
	if got := <-notes; got != "hello" {
		t.Fatalf("note %q", got)
	}
	// A notification the server cannot run is still accepted, and answered with nothing.
	if err := c.Notify(ctx, "nope", 1); err != nil {
		t.Fatal(err)
	}
	x := newClient(t, url)
	if err := x.Notify(ctx, "note", "x"); !errors.Is(err, ErrNeedsJSONRPC) {
		t.Fatalf("XML-RPC Notify: %v", err)
	}
}

func TestJSONRPCBatch(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.MaxBatch = 4
	url, _ := jsonServer(t, cfg)
	ctx := context.Background()
	for _, opts := range [][]Option{{WithJSONRPC()}, nil} { // a JSON-RPC batch; system.multicall
		c := newClient(t, url, opts...)
		var sum int
		var echoed []string
		var wrong string
		calls := []*Call{
			NewCall("add", &sum, 2, 3),
			NewCall("echo", &echoed, []string{"a", "b"}),
			NewCall("fail", nil, 7),
			NewCall("add", &wrong, 1, 1),
		}
		if err := c.Batch(ctx, calls...); err != nil {
			t.Fatalf("JSON-RPC %v: %v", c.JSONRPC(), err)
		}
		var fc interface{ FaultCode() int }
		var re *ResponseError
		if calls[0].Err != nil || sum != 5 || calls[1].Err != nil || !reflect.DeepEqual(echoed, []string{"a", "b"}) ||
			!errors.As(calls[2].Err, &fc) || fc.FaultCode() != 7 || !errors.As(calls[3].Err, &re) {
			t.Fatalf("JSON-RPC %v: results %d %v; errors %v %v %v %v", c.JSONRPC(), sum, echoed,
				calls[0].Err, calls[1].Err, calls[2].Err, calls[3].Err)
		}
		if c.JSONRPC() {
			var je *jsonrpc.Error
			if !errors.As(calls[2].Err, &je) {
				t.Fatalf("a batch entry's error is %T, want *jsonrpc.Error", calls[2].Err)
			}
		}
	}
	// A batch over the server's limit is refused as a whole.
	c := newClient(t, url, WithJSONRPC())
	calls := make([]*Call, 5)
	for i := range calls {
		calls[i] = NewCall("add", nil, i, i)
	}
	err := c.Batch(ctx, calls...)
	var je *jsonrpc.Error
	if !errors.As(err, &je) || je.Code != jsonrpc.CodeInvalidRequest || calls[0].Err != nil {
		t.Fatalf("batch over the limit: %v", err)
	}
	if err := c.Batch(ctx); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
}

// TestJSONRPCTransportErrors checks that transport failures keep their types over JSON-RPC, and
// that error objects sent with an HTTP error status are still remote errors.
func TestJSONRPCTransportErrors(t *testing.T) {
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newClient(t, "http://"+addr+"/", WithJSONRPC())
	var te *TransportError
	if err := c.Call(ctx, "add", nil, 1, 2); !errors.As(err, &te) || !te.NotSent() {
		t.Fatalf("refused: %v", err)
	}
	if err := c.Notify(ctx, "add", 1, 2); !errors.As(err, &te) || !te.NotSent() {
		t.Fatalf("refused notification: %v", err)
	}

	answers := map[string]func(w http.ResponseWriter){
		"/500": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(500)
			w.Write([]byte(`{"jsonrpc":"2.0","error":{"code":-32603,"message":"boom"},"id":null}`))
		},
		"/503": func(w http.ResponseWriter) {
			w.WriteHeader(503)
			w.Write([]byte(`{"jsonrpc":"2.0","error":{"code":-32000,"message":"busy"},"id":null}`))
		},
		"/404": func(w http.ResponseWriter) { http.NotFound(w, nil) },
		"/204": func(w http.ResponseWriter) { w.WriteHeader(204) },
		"/other-id": func(w http.ResponseWriter) {
			w.Write([]byte(`{"jsonrpc":"2.0","result":1,"id":"someone else"}`))
		},
		"/xml": func(w http.ResponseWriter) {
			w.Write([]byte(`<?xml version="1.0"?><methodResponse><params><param><value><int>5</int></value></param></params></methodResponse>`))
		},
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
		}
		answers[r.URL.Path](w)
	}))
	defer ts.Close()
	call := func(path string) error {
		return newClient(t, ts.URL+path, WithJSONRPC()).Call(ctx, "m", nil)
	}
	var je *jsonrpc.Error
	if err := call("/500"); !errors.As(err, &je) || je.Code != jsonrpc.CodeInternalError {
		t.Fatalf("500 with an error object: %v", err)
	}
	var se *StatusError
	if err := call("/503"); !errors.As(err, &se) || !se.NotSent() {
		t.Fatalf("503: %v", err)
	}
	if err := call("/404"); !errors.As(err, &se) || se.StatusCode() != 404 {
		t.Fatalf("404: %v", err)
	}
	var re *ResponseError
	for _, p := range []string{"/204", "/other-id", "/xml"} {
		if err := call(p); !errors.As(err, &re) || re.NotSent() {
			t.Fatalf("%s: %v", p, err)
		}
	}
	if err := newClient(t, ts.URL+"/204", WithJSONRPC()).Notify(ctx, "m"); err != nil {
		t.Fatalf("notification answered 204: %v", err)
	}
	if err := newClient(t, ts.URL+"/204", WithJSONRPC()).Batch(ctx, NewCall("m", nil)); !errors.As(err, &re) {
		t.Fatalf("batch answered 204: %v", err)
	}
}

// TestJSONRPCMultiCallTypedReplies: system.multicall over JSON-RPC converts each result with the
// JSON mapping, so binary and dateTime replies decode as they do from Call.
func TestJSONRPCMultiCallTypedReplies(t *testing.T) {
	url, _ := jsonServer(t, nil)
	c := newClient(t, url, WithJSONRPC())
	when := time.Date(1998, 7, 17, 14, 8, 55, 0, time.UTC)
	var b []byte
	var got time.Time
	calls := []*Call{NewCall("echo", &b, []byte{0, 1, 0xff}), NewCall("echo", &got, when)}
	if err := c.MultiCall(context.Background(), calls...); err != nil {
		t.Fatal(err)
	}
	if calls[0].Err != nil || calls[1].Err != nil || !bytes.Equal(b, []byte{0, 1, 0xff}) || !got.Equal(when) {
		t.Fatalf("replies %v %v, errors %v %v", b, got, calls[0].Err, calls[1].Err)
	}
}
