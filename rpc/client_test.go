package rpc_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// pipe is an in-memory rpc.Transport: it serves each body with the wire codecs and a small table
// of methods (serveXML, serveJSON), unless fail or answer say otherwise.
type pipe struct {
	mu       sync.Mutex
	fail     error                         // returned instead of serving, when set
	answer   func(req *rpc.Request) []byte // the answer instead of the served one, when set
	reqs     []rpc.Request                 // what was sent, bodies copied
	deadline time.Time                     // the last call's context deadline, or zero
}

func (p *pipe) RoundTrip(ctx context.Context, req *rpc.Request, dst []byte) ([]byte, error) {
	p.mu.Lock()
	r := *req
	r.Body = append([]byte(nil), req.Body...)
	p.reqs = append(p.reqs, r)
	p.deadline, _ = ctx.Deadline()
	fail, answer := p.fail, p.answer
	p.mu.Unlock()
	if fail != nil {
		return dst, fail
	}
	if answer != nil {
		return append(dst, answer(req)...), nil
	}
	if req.Protocol == "jsonrpc" {
		return serveJSON(dst, req.Body), nil
	}
	return serveXML(dst, req.Body), nil
}

func (p *pipe) sent() []rpc.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]rpc.Request(nil), p.reqs...)
}

// fakeFault is what the table's "fail" answers.
const fakeFault = 7

// run is the table of methods: add sums integers, echo returns its first parameter, fail faults.
func run(method string, params []any) (any, error) {
	switch method {
	case "add":
		sum := int64(0)
		for _, p := range params {
			switch v := p.(type) {
			case int:
				sum += int64(v)
			case int64:
				sum += v
			default:
				return nil, &xmlrpc.Fault{Code: -32602, String: fmt.Sprintf("not an integer: %v", p)}
			}
		}
		return sum, nil
	case "echo":
		if len(params) == 0 {
			return nil, &xmlrpc.Fault{Code: -32602, String: "echo needs a parameter"}
		}
		return params[0], nil
	case "fail":
		return nil, &xmlrpc.Fault{Code: fakeFault, String: "failed as asked"}
	case "system.multicall":
		entries, _ := params[0].([]any)
		out := make([]any, len(entries))
		for i, e := range entries {
			m := e.(map[string]any)
			ps, _ := m["params"].([]any)
			r, err := run(m["methodName"].(string), ps)
			if err != nil {
				f := err.(*xmlrpc.Fault)
				out[i] = map[string]any{"faultCode": f.Code, "faultString": f.String}
			} else {
				out[i] = []any{r}
			}
		}
		return out, nil
	}
	return nil, &xmlrpc.Fault{Code: -32601, String: "no such method " + method}
}

func serveXML(dst, body []byte) []byte {
	call, err := xmlrpc.DecodeOptions{}.DecodeCall(body)
	if err != nil {
		b, _ := xmlrpc.EncodeOptions{}.AppendFault(dst, &xmlrpc.Fault{Code: -32700, String: err.Error()})
		return b
	}
	params, err := call.Params()
	var r any
	if err == nil {
		r, err = run(call.Method, params)
	}
	if err != nil {
		b, _ := xmlrpc.EncodeOptions{}.AppendFault(dst, err.(*xmlrpc.Fault))
		return b
	}
	b, _ := xmlrpc.EncodeOptions{}.AppendResponse(dst, r)
	return b
}

func serveJSON(dst, body []byte) []byte {
	reqs, batch, err := jsonrpc.DecodeOptions{}.DecodeRequests(body)
	if err != nil {
		return jsonrpc.EncodeOptions{}.AppendError(dst, nil, &jsonrpc.Error{Code: jsonrpc.CodeParseError, Message: err.Error()})
	}
	if batch {
		dst = append(dst, '[')
	}
	start, n := len(dst), 0
	for i := range reqs {
		req := &reqs[i]
		var params []any
		if req.Named() {
			var m map[string]any
			if err := req.DecodeParam(0, &m); err == nil {
				params = []any{m}
			}
		} else {
			params, _ = req.Params()
		}
		r, err := run(req.Method, params)
		if req.IsNotification() {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		if err != nil {
			f := err.(*xmlrpc.Fault)
			dst = jsonrpc.EncodeOptions{}.AppendError(dst, req, &jsonrpc.Error{Code: f.Code, Message: f.String})
		} else {
			dst, _ = jsonrpc.EncodeOptions{}.AppendResponse(dst, req, r)
		}
	}
	switch {
	case n == 0:
		return dst[:start-b2i(batch)] // notifications only: no answer
	case batch:
		dst = append(dst, ']')
	}
	return dst
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// protocols are the two codecs every test runs over.
var protocols = []struct {
	name  string
	codec func() rpc.ClientCodec
}{
	{"xmlrpc", func() rpc.ClientCodec { return rpc.NewXMLClientCodec(xmlrpc.EncodeOptions{}, xmlrpc.DecodeOptions{}) }},
	{"jsonrpc", func() rpc.ClientCodec {
		return rpc.NewJSONClientCodec(jsonrpc.EncodeOptions{}, jsonrpc.DecodeOptions{})
	}},
}

const testEndpoint = "mem://test"

func newPipeClient(t testing.TB, codec rpc.ClientCodec) (*rpc.Client, *pipe) {
	t.Helper()
	p := &pipe{}
	c, err := rpc.NewClient(p, &rpc.ClientConfig{Codec: codec, Endpoint: testEndpoint})
	if err != nil {
		t.Fatal(err)
	}
	return c, p
}

// faultCode reads the code of a fault or error object answered by the server, or fails.
func faultCode(t *testing.T, err error) int {
	t.Helper()
	var fc interface{ FaultCode() int }
	if !errors.As(err, &fc) {
		t.Fatalf("got %T %v, want a fault", err, err)
	}
	var re *rpc.ResponseError
	if errors.As(err, &re) {
		t.Fatalf("fault %v reads as a bad response", err)
	}
	return fc.FaultCode()
}

func TestClientCall(t *testing.T) {
	for _, pr := range protocols {
		t.Run(pr.name, func(t *testing.T) {
			c, p := newPipeClient(t, pr.codec())
			ctx := context.Background()
			var sum int
			if err := c.Call(ctx, "add", &sum, 2, 3); err != nil || sum != 5 {
				t.Fatalf("add(2,3) = %d, %v", sum, err)
			}
			if err := c.Call(ctx, "add", nil, 2, 3); err != nil {
				t.Fatalf("add with a nil reply: %v", err)
			}
			if code := faultCode(t, c.Call(ctx, "fail", &sum)); code != fakeFault {
				t.Errorf("fault code %d, want %d", code, fakeFault)
			}
			reqs := p.sent()
			if len(reqs) != 3 || reqs[0].Protocol != pr.name || reqs[0].Method != "add" || reqs[0].Notification {
				t.Errorf("requests %+v", reqs)
			}
			var s string
			if err := c.Call(ctx, "add", &s, 2, 3); !isBadResponse(err) {
				t.Errorf("int into string: %T %v, want a ResponseError", err, err)
			}
			if err := c.Call(ctx, "add", s, 2, 3); err == nil || isBadResponse(err) || len(p.sent()) != 4 {
				t.Errorf("a non-pointer reply: %v, after %d requests (want it refused unsent)", err, len(p.sent()))
			}
			if err := c.Call(ctx, "add", nil, make(chan int)); err == nil || len(p.sent()) != 4 {
				t.Errorf("an argument that cannot be encoded: %v, after %d requests", err, len(p.sent()))
			}
			//lint:ignore SA1012 the nil context is the point
			if err := c.Call(nil, "add", nil); !errors.Is(err, rpc.ErrNilContext) { //nolint:staticcheck
				t.Errorf("nil ctx: %v", err)
			}
		})
	}
}

func isBadResponse(err error) bool {
	var re *rpc.ResponseError
	return errors.As(err, &re) && re.URL == testEndpoint && !re.NotSent()
}

func TestClientBadAnswers(t *testing.T) {
	answers := map[string][]string{
		"xmlrpc":  {"", "<methodResponse>", "junk", `<?xml version="1.0"?><methodResponse><params><param><value><string>x</string></value></param></params></methodResponse>`},
		"jsonrpc": {"", "{", `{"jsonrpc":"2.0","id":999,"result":1}`, `[{"jsonrpc":"2.0","id":1,"result":1}]`},
	}
	for _, pr := range protocols {
		t.Run(pr.name, func(t *testing.T) {
			c, p := newPipeClient(t, pr.codec())
			for _, a := range answers[pr.name] {
				p.answer = func(*rpc.Request) []byte { return []byte(a) }
				var v int
				err := c.Call(context.Background(), "add", &v, 1)
				if !isBadResponse(err) {
					t.Errorf("answer %q: %T %v, want a ResponseError", a, err, err)
				}
			}
		})
	}
	c, p := newPipeClient(t, protocols[1].codec())
	p.answer = func(*rpc.Request) []byte { return nil }
	if err := c.Call(context.Background(), "add", nil); !errors.Is(err, rpc.ErrNoAnswer) {
		t.Errorf("empty JSON-RPC answer: %v, want ErrNoAnswer", err)
	}
}

func TestClientCallNamed(t *testing.T) {
	type point struct {
		X int `xmlrpc:"x" json:"x"`
		Y int `xmlrpc:"y" json:"y"`
	}
	for _, pr := range protocols {
		t.Run(pr.name, func(t *testing.T) {
			c, p := newPipeClient(t, pr.codec())
			var got point
			if err := c.CallNamed(context.Background(), "echo", &got, point{X: 1, Y: 2}); err != nil || got != (point{1, 2}) {
				t.Fatalf("echo named: %+v, %v", got, err)
			}
			body := string(p.sent()[0].Body)
			if pr.name == "jsonrpc" && !strings.Contains(body, `"params":{"x":1,"y":2}`) {
				t.Errorf("JSON-RPC named params not an object: %s", body)
			}
			if pr.name == "xmlrpc" && !strings.Contains(body, "<struct>") {
				t.Errorf("XML-RPC named params not one struct: %s", body)
			}
		})
	}
}

func TestClientCallRawAndRoundTrip(t *testing.T) {
	for _, pr := range protocols {
		t.Run(pr.name, func(t *testing.T) {
			c, p := newPipeClient(t, pr.codec())
			raw, err := c.CallRaw(context.Background(), "add", 2, 3)
			if err != nil {
				t.Fatal(err)
			}
			var want []byte
			if pr.name == "jsonrpc" {
				want = serveJSON(nil, p.sent()[0].Body)
			} else {
				want = serveXML(nil, p.sent()[0].Body)
			}
			if string(raw) != string(want) {
				t.Errorf("CallRaw %q, want the served %q", raw, want)
			}
			// RoundTrip passes the body through and appends to dst.
			req := &rpc.Request{Protocol: pr.name, Method: "add", Body: p.sent()[0].Body}
			got, err := c.RoundTrip(context.Background(), req, []byte("prefix"))
			if err != nil || string(got) != "prefix"+string(want) {
				t.Errorf("RoundTrip %q, %v", got, err)
			}
			if last := p.sent()[1]; string(last.Body) != string(req.Body) || last.Method != "add" {
				t.Errorf("RoundTrip sent %+v", last)
			}
		})
	}
}

func TestClientNotify(t *testing.T) {
	x, xp := newPipeClient(t, protocols[0].codec())
	if err := x.Notify(context.Background(), "add", 1); !errors.Is(err, rpc.ErrNoNotifications) || len(xp.sent()) != 0 {
		t.Errorf("XML-RPC Notify: %v, %d sent", err, len(xp.sent()))
	}
	j, jp := newPipeClient(t, protocols[1].codec())
	if err := j.Notify(context.Background(), "add", 1, 2); err != nil {
		t.Fatal(err)
	}
	req := jp.sent()[0]
	if !req.Notification || strings.Contains(string(req.Body), `"id"`) {
		t.Errorf("notification sent as %+v %s", req, req.Body)
	}
	jp.answer = func(*rpc.Request) []byte {
		return jsonrpc.EncodeOptions{}.AppendError(nil, nil, &jsonrpc.Error{Code: jsonrpc.CodeParseError, Message: "unreadable"})
	}
	if code := faultCode(t, j.Notify(context.Background(), "add")); code != jsonrpc.CodeParseError {
		t.Errorf("error object answered to a notification: code %d", code)
	}
}

func TestClientBatch(t *testing.T) {
	for _, pr := range protocols {
		t.Run(pr.name, func(t *testing.T) {
			c, p := newPipeClient(t, pr.codec())
			var sum, echoed int
			var wrong string
			calls := []*rpc.Call{
				rpc.NewCall("add", &sum, 2, 3),
				rpc.NewCall("fail", nil),
				rpc.NewCall("echo", &echoed, 9),
				rpc.NewCall("add", &wrong, 1),
			}
			if err := c.Batch(context.Background(), calls...); err != nil {
				t.Fatal(err)
			}
			if calls[0].Err != nil || sum != 5 || calls[2].Err != nil || echoed != 9 {
				t.Errorf("results %d %v, %d %v", sum, calls[0].Err, echoed, calls[2].Err)
			}
			if code := faultCode(t, calls[1].Err); code != fakeFault {
				t.Errorf("fault code %d", code)
			}
			if !isBadResponse(calls[3].Err) {
				t.Errorf("int into string: %v", calls[3].Err)
			}
			want := map[string]string{"xmlrpc": "system.multicall", "jsonrpc": "batch"}[pr.name]
			if reqs := p.sent(); len(reqs) != 1 || reqs[0].Method != want {
				t.Errorf("sent %d requests, method %q; want one %q", len(reqs), reqs[0].Method, want)
			}
			if err := c.Batch(context.Background()); err != nil || len(p.sent()) != 1 {
				t.Errorf("an empty batch: %v, sent %d", err, len(p.sent()))
			}
		})
	}
}

func TestClientBatchUnanswered(t *testing.T) {
	c, p := newPipeClient(t, protocols[1].codec())
	p.answer = func(req *rpc.Request) []byte {
		full := serveJSON(nil, req.Body) // [a,b]: keep only the first response
		return append(full[:strings.Index(string(full), "},{")+1], ']')
	}
	calls := []*rpc.Call{rpc.NewCall("add", nil, 1), rpc.NewCall("add", nil, 2)}
	if err := c.Batch(context.Background(), calls...); err != nil {
		t.Fatal(err)
	}
	if calls[0].Err != nil || !errors.Is(calls[1].Err, rpc.ErrNoAnswer) || !isBadResponse(calls[1].Err) {
		t.Errorf("errors %v, %v", calls[0].Err, calls[1].Err)
	}
	p.answer = func(*rpc.Request) []byte {
		return jsonrpc.EncodeOptions{}.AppendError(nil, nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidRequest, Message: "too many"})
	}
	if code := faultCode(t, c.Batch(context.Background(), calls...)); code != jsonrpc.CodeInvalidRequest {
		t.Errorf("batch refused as a whole: code %d", code)
	}
}

func TestClientMultiCall(t *testing.T) {
	for _, pr := range protocols {
		t.Run(pr.name, func(t *testing.T) {
			c, _ := newPipeClient(t, pr.codec())
			var sum int
			var any1 any
			calls := []*rpc.Call{rpc.NewCall("add", &sum, 4, 5), rpc.NewCall("fail", nil), rpc.NewCall("echo", &any1, "x")}
			if err := c.MultiCall(context.Background(), calls...); err != nil {
				t.Fatal(err)
			}
			if sum != 9 || calls[0].Err != nil || any1 != "x" || calls[2].Err != nil {
				t.Errorf("results %d %v %v %v", sum, calls[0].Err, any1, calls[2].Err)
			}
			var f *xmlrpc.Fault
			if !errors.As(calls[1].Err, &f) || f.Code != fakeFault {
				t.Errorf("fault in a multicall: %v", calls[1].Err)
			}
			if err := c.MultiCall(context.Background(), rpc.NewCall("system.multicall", nil)); err == nil {
				t.Error("nested system.multicall accepted")
			}
		})
	}
}

// TestClientMultiCallBare: supervisord answers each multicall result bare; a count that does not
// match the calls is a bad answer.
func TestClientMultiCallBare(t *testing.T) {
	c, p := newPipeClient(t, protocols[0].codec())
	p.answer = func(*rpc.Request) []byte {
		b, _ := xmlrpc.MarshalResponse([]any{"RUNNING", map[string]any{"faultCode": 10, "faultString": "BAD_NAME"}})
		return b
	}
	var state string
	calls := []*rpc.Call{rpc.NewCall("supervisor.getState", &state), rpc.NewCall("supervisor.getProcessInfo", nil, "x")}
	if err := c.MultiCall(context.Background(), calls...); err != nil {
		t.Fatal(err)
	}
	var f *xmlrpc.Fault
	if state != "RUNNING" || calls[0].Err != nil || !errors.As(calls[1].Err, &f) || f.Code != 10 {
		t.Errorf("bare results: %q %v %v", state, calls[0].Err, calls[1].Err)
	}
	if err := c.MultiCall(context.Background(), calls[0]); !isBadResponse(err) {
		t.Errorf("two results for one call: %v", err)
	}
}

// notSent is a transport's error proving its request never left: a broker's "no responders".
type notSent struct{}

func (notSent) Error() string   { return "no responders" }
func (notSent) NotSent() bool   { return true }
func (notSent) Timeout() bool   { return false }
func (notSent) StatusCode() int { return 0 }

// refused is a transport-level refusal carrying a body, as HTTP's StatusError does.
type refused struct{ body []byte }

func (e *refused) Error() string      { return "refused" }
func (e *refused) AnswerBody() []byte { return e.body }

func TestClientTransportErrors(t *testing.T) {
	for _, pr := range protocols {
		t.Run(pr.name, func(t *testing.T) {
			c, p := newPipeClient(t, pr.codec())
			p.fail = fmt.Errorf("hop: %w", notSent{})
			ctx := context.Background()
			_, rawErr := c.CallRaw(ctx, "add")
			_, rtErr := c.RoundTrip(ctx, &rpc.Request{Protocol: pr.name, Body: []byte("x")}, nil)
			errs := map[string]error{
				"Call":      c.Call(ctx, "add", nil, 1),
				"CallNamed": c.CallNamed(ctx, "echo", nil, map[string]int{"a": 1}),
				"CallRaw":   rawErr,
				"Batch":     c.Batch(ctx, rpc.NewCall("add", nil)),
				"MultiCall": c.MultiCall(ctx, rpc.NewCall("add", nil)),
				"RoundTrip": rtErr,
			}
			if pr.name == "jsonrpc" {
				errs["Notify"] = c.Notify(ctx, "add")
			}
			for shape, err := range errs {
				var ns interface{ NotSent() bool }
				if !errors.As(err, &ns) || !ns.NotSent() || !errors.Is(err, p.fail) {
					t.Errorf("%s: %v does not keep the transport's NotSent", shape, err)
				}
				var fc interface{ FaultCode() int }
				if errors.As(err, &fc) {
					t.Errorf("%s: transport error %v reads as a fault", shape, err)
				}
			}
		})
	}
}

// TestClientStatusAnswer: a JSON-RPC error object carried by a transport refusal is the answer;
// anything else leaves the transport's error.
func TestClientStatusAnswer(t *testing.T) {
	obj := func(id string) []byte {
		return []byte(`{"jsonrpc":"2.0","id":` + id + `,"error":{"code":-32001,"message":"denied"}}`)
	}
	j, jp := newPipeClient(t, protocols[1].codec())
	jp.fail = &refused{body: obj("1")}
	if code := faultCode(t, j.Call(context.Background(), "add", nil)); code != -32001 {
		t.Errorf("code %d", code)
	}
	jp.fail = &refused{body: obj("null")}
	if code := faultCode(t, j.Batch(context.Background(), rpc.NewCall("add", nil))); code != -32001 {
		t.Errorf("batch: code %d", code)
	}
	for _, body := range [][]byte{obj("12345"), []byte("<html>"), nil} {
		jp.fail = &refused{body: body}
		if err := j.Call(context.Background(), "add", nil); err != jp.fail {
			t.Errorf("refusal %q: %v, want the transport's error", body, err)
		}
	}
	x, xp := newPipeClient(t, protocols[0].codec())
	xp.fail = &refused{body: obj("null")}
	if err := x.Call(context.Background(), "add", nil); err != xp.fail {
		t.Errorf("XML-RPC: %v, want the transport's error", err)
	}
}

func TestClientTimeout(t *testing.T) {
	p := &pipe{}
	c, err := rpc.NewClient(p, &rpc.ClientConfig{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := c.Call(context.Background(), "add", nil); err != nil {
		t.Fatal(err)
	}
	end := time.Now()
	if p.deadline.Before(start.Add(time.Minute)) || p.deadline.After(end.Add(time.Minute)) {
		t.Errorf("deadline %v, want a minute after the call began (%v to %v)", p.deadline, start, end)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	want, _ := ctx.Deadline()
	if err := c.Call(ctx, "add", nil); err != nil || !p.deadline.Equal(want) {
		t.Errorf("an earlier deadline: %v, %v (want %v)", p.deadline, err, want)
	}
	if _, err := rpc.NewClient(nil, nil); !errors.Is(err, rpc.ErrInvalidClientConfig) {
		t.Errorf("nil transport: %v", err)
	}
	if _, err := rpc.NewClient(p, &rpc.ClientConfig{Timeout: -1}); !errors.Is(err, rpc.ErrInvalidClientConfig) {
		t.Errorf("negative timeout: %v", err)
	}
}

func TestClientIDsUnique(t *testing.T) {
	c, p := newPipeClient(t, protocols[1].codec())
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if err := c.Call(context.Background(), "add", nil, 1); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, r := range p.sent() {
		reqs, _, err := jsonrpc.DecodeOptions{}.DecodeRequests(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		id := reqs[0].ID.String()
		if seen[id] {
			t.Fatalf("id %s sent twice", id)
		}
		seen[id] = true
	}
}

// BenchmarkClientCall measures the calling core's own cost: add(2,3) encoded, passed through a
// transport that answers a fixed body, and decoded.
func BenchmarkClientCall(b *testing.B) {
	for _, pr := range protocols {
		b.Run(pr.name, func(b *testing.B) {
			codec := pr.codec()
			var answer []byte
			if pr.name == "jsonrpc" {
				answer = []byte(`{"jsonrpc":"2.0","id":1,"result":5}`)
			} else {
				answer, _ = xmlrpc.MarshalResponse(5)
			}
			c, err := rpc.NewClient(fixed{answer, pr.name == "jsonrpc"}, &rpc.ClientConfig{Codec: codec})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			var sum int
			for b.Loop() {
				if err := c.Call(ctx, "add", &sum, 2, 3); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fixed answers every request with body; for JSON-RPC it rewrites the id to the request's.
type fixed struct {
	body []byte
	json bool
}

func (f fixed) RoundTrip(ctx context.Context, req *rpc.Request, dst []byte) ([]byte, error) {
	if !f.json {
		return append(dst, f.body...), nil
	}
	i := strings.Index(string(req.Body), `"id":`)
	j := i + len(`"id":`)
	for j < len(req.Body) && req.Body[j] >= '0' && req.Body[j] <= '9' {
		j++
	}
	dst = append(dst, `{"jsonrpc":"2.0",`...)
	dst = append(dst, req.Body[i:j]...)
	return append(dst, `,"result":5}`...), nil
}
