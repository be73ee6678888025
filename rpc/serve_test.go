package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/rpc"
)

func newCore(t *testing.T, d rpc.Dispatcher, cfg *rpc.ServerConfig) *rpc.Server {
	t.Helper()
	s, err := rpc.NewServer(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestServeCodecsByName: the core finds each codec by name and serves a registry's method in
// both protocols, single calls and a JSON-RPC batch.
func TestServeCodecsByName(t *testing.T) {
	reg := newRegistry(t, nil)
	reg.MustRegister("add", func(a, b int) int { return a + b }, "")
	s := newCore(t, reg, nil)
	if s.Codec("nosuch") != nil {
		t.Fatal("Codec(nosuch) is not nil")
	}
	cases := []struct{ codec, body, want string }{
		{"xmlrpc", `<?xml version="1.0"?><methodCall><methodName>add</methodName><params><param><value><int>2</int></value></param><param><value><int>3</int></value></param></params></methodCall>`,
			`<int>5</int>`},
		{"jsonrpc", `{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}`, `"result":5`},
		{"jsonrpc", `[{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1},{"jsonrpc":"2.0","method":"add","params":[4,5],"id":2}]`, `"result":9`},
	}
	for _, tc := range cases {
		c := s.Codec(tc.codec)
		if c == nil || c.Name() != tc.codec {
			t.Fatalf("Codec(%q) = %v", tc.codec, c)
		}
		out, sum, kept := s.Serve(context.Background(), c, []byte(tc.body), nil)
		if !kept || !strings.Contains(string(out), tc.want) || sum.Method != "add" || sum.Code != 0 {
			t.Errorf("%s: %s, %+v, kept %v; want %s", tc.codec, out, sum, kept, tc.want)
		}
	}
}

// TestServePick: a codec is picked by media type, then by the body's first byte.
func TestServePick(t *testing.T) {
	s := newCore(t, newRegistry(t, nil), nil)
	cases := []struct{ ct, body, want string }{
		{"text/xml", `{}`, "xmlrpc"},
		{"application/json; charset=utf-8", `<x/>`, "jsonrpc"},
		{"", "  \n[", "jsonrpc"},
		{"text/plain", "<", "xmlrpc"},
		{"image/png", "{", "xmlrpc"}, // nobody accepts it: the first codec answers
	}
	for _, tc := range cases {
		if got := s.Pick(nil, tc.ct, []byte(tc.body)).Name(); got != tc.want {
			t.Errorf("Pick(%q, %q) = %s, want %s", tc.ct, tc.body, got, tc.want)
		}
	}
	only := []rpc.ServerCodec{s.Codec("jsonrpc")}
	if got := s.Pick(only, "text/xml", []byte("<")).Name(); got != "jsonrpc" {
		t.Errorf("Pick over one codec = %s", got)
	}
}

// TestServeCatchAll: any Dispatcher stands where a registry does; it sees every call with its
// protocol, and its errors are answered as faults with their codes.
func TestServeCatchAll(t *testing.T) {
	var seen []string
	d := rpc.DispatcherFunc(func(ctx context.Context, p *rpc.Protocol, method string, ps rpc.Params) (any, error) {
		seen = append(seen, p.Name+":"+method)
		if method == "fail" {
			return nil, &rpc.Error{Code: 42, Message: "no\x00good"}
		}
		var s string
		if err := ps.DecodeParam(0, &s); err != nil {
			return nil, err
		}
		return "echo " + s, nil
	})
	s := newCore(t, d, nil)
	out, _, _ := s.Serve(context.Background(), s.Codec("xmlrpc"), []byte(`<methodCall><methodName>any.thing</methodName><params><param><value>hi</value></param></params></methodCall>`), nil)
	if !strings.Contains(string(out), "<string>echo hi</string>") {
		t.Errorf("xmlrpc catch-all answered %s", out)
	}
	out, sum, _ := s.Serve(context.Background(), s.Codec("jsonrpc"), []byte(`{"jsonrpc":"2.0","method":"fail","id":7}`), nil)
	if !strings.Contains(string(out), `"code":42`) || !strings.Contains(string(out), "no\uFFFDgood") || sum.Code != 42 {
		t.Errorf("jsonrpc error answered %s (%+v)", out, sum)
	}
	if strings.Join(seen, ",") != "xmlrpc:any.thing,jsonrpc:fail" {
		t.Errorf("dispatcher saw %v", seen)
	}
	// A Dispatcher that is not a registry answers handler errors with DefaultErrorCode.
	out, _, _ = newCore(t, rpc.DispatcherFunc(func(context.Context, *rpc.Protocol, string, rpc.Params) (any, error) {
		return nil, errors.New("plain")
	}), nil).Serve(context.Background(), s.Codec("xmlrpc"), []byte(`<methodCall><methodName>x</methodName></methodCall>`), nil)
	if !strings.Contains(string(out), "<int>1</int>") {
		t.Errorf("plain error answered %s", out)
	}
}

// TestServeCallTimeout: a handler that ignores its context is abandoned at the call timeout,
// and counted until it returns; one that honours it answers in time.
func TestServeCallTimeout(t *testing.T) {
	release := make(chan struct{})
	reg := newRegistry(t, nil)
	reg.MustRegister("stuck", func() int { <-release; return 1 }, "")
	reg.MustRegister("polite", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }, "")
	s := newCore(t, reg, &rpc.ServerConfig{MaxBodySize: 1 << 20, MaxDepth: 10, MaxBatch: 10, MaxValues: 100, CallTimeout: 50 * time.Millisecond})
	start := time.Now()
	out, sum, kept := s.Serve(context.Background(), s.Codec("xmlrpc"), []byte(`<methodCall><methodName>stuck</methodName></methodCall>`), nil)
	if kept || sum.Code != rpc.CodeInternalError || !strings.Contains(string(out), "did not finish within 50ms") {
		t.Errorf("stuck: %s %+v kept %v", out, sum, kept)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("stuck answered after %v", d)
	}
	if n := s.Abandoned(); n != 1 {
		t.Errorf("Abandoned() = %d, want 1", n)
	}
	close(release)
	for i := 0; i < 200 && s.Abandoned() != 0; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	if n := s.Abandoned(); n != 0 {
		t.Errorf("Abandoned() = %d after the handler returned", n)
	}
	out, _, kept = s.Serve(context.Background(), s.Codec("jsonrpc"), []byte(`{"jsonrpc":"2.0","method":"polite","id":1}`), nil)
	if !kept || !strings.Contains(string(out), "deadline exceeded") {
		t.Errorf("polite: %s kept %v", out, kept)
	}
}

// TestAbandonedSummary: a call abandoned at its deadline is summarized with its method (and a
// batch with its entries), for logs and metrics, over both protocols.
func TestAbandonedSummary(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	reg := newRegistry(t, nil)
	reg.MustRegister("stuck", func() int { <-release; return 1 }, "")
	s := newCore(t, reg, &rpc.ServerConfig{MaxBodySize: 1 << 20, MaxDepth: 10, MaxBatch: 10, MaxValues: 100, CallTimeout: 20 * time.Millisecond})
	for _, c := range []struct {
		proto, body string
		want        rpc.Summary
	}{
		{"xmlrpc", `<methodCall><methodName>stuck</methodName><params></params></methodCall>`,
			rpc.Summary{Method: "stuck", Calls: 1, Code: rpc.CodeInternalError}},
		{"jsonrpc", `{"jsonrpc":"2.0","method":"stuck","params":[],"id":1}`,
			rpc.Summary{Method: "stuck", Calls: 1, Code: rpc.CodeInternalError}},
		{"jsonrpc", `[{"jsonrpc":"2.0","method":"stuck","id":1},{"jsonrpc":"2.0","method":"other","id":2}]`,
			rpc.Summary{Method: "stuck", Calls: 2, Batch: true, Code: rpc.CodeInternalError}},
	} {
		_, sum, kept := s.Serve(context.Background(), s.Codec(c.proto), []byte(c.body), nil)
		if kept || sum != c.want {
			t.Errorf("%s %s: summary %+v kept %v, want %+v abandoned", c.proto, c.body, sum, kept, c.want)
		}
	}
}

// TestServeCallerDeadline: a caller's deadline shorter than the call timeout bounds the call,
// and one already past runs nothing.
func TestServeCallerDeadline(t *testing.T) {
	ran := 0
	reg := newRegistry(t, nil)
	reg.MustRegister("wait", func(ctx context.Context) (time.Duration, error) {
		ran++
		dl, ok := ctx.Deadline()
		if !ok {
			return 0, errors.New("no deadline")
		}
		return time.Until(dl), nil
	}, "")
	s := newCore(t, reg, &rpc.ServerConfig{MaxBodySize: 1 << 20, MaxDepth: 10, MaxBatch: 10, MaxValues: 100, CallTimeout: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var left time.Duration
	out, _, _ := s.Serve(ctx, s.Codec("jsonrpc"), []byte(`{"jsonrpc":"2.0","method":"wait","id":1}`), nil)
	if _, err := parseJSONResult(out, &left); err != nil || left > 5*time.Second || left < 4*time.Second {
		t.Errorf("handler saw %v left (%s, %v), want about 5s", left, out, err)
	}
	past, cancel2 := context.WithTimeout(context.Background(), -time.Second)
	defer cancel2()
	for _, c := range s.Codecs() {
		body := `{"jsonrpc":"2.0","method":"wait","id":1}`
		if c.Name() == "xmlrpc" {
			body = `<methodCall><methodName>wait</methodName></methodCall>`
		}
		out, sum, _ := s.Serve(past, c, []byte(body), nil)
		if sum.Code != rpc.CodeInternalError || !strings.Contains(string(out), "not run") {
			t.Errorf("%s past its deadline: %s %+v", c.Name(), out, sum)
		}
	}
	if ran != 1 {
		t.Errorf("the handler ran %d times, want 1", ran)
	}
}

// parseJSONResult reads the result of a JSON-RPC response body into v.
func parseJSONResult(body []byte, v any) (any, error) {
	var resp struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, err
	}
	return v, json.Unmarshal(resp.Result, v)
}
