package jsonrpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/harp-rpc/harp/jsonrpc"
)

// specHandler implements the methods of the examples in the JSON-RPC 2.0 specification (section 7).
func specHandler(notified *[]string) jsonrpc.Handler {
	return func(ctx context.Context, r *jsonrpc.Request) (any, error) {
		switch r.Method {
		case "subtract":
			if r.Named() {
				var p struct{ Minuend, Subtrahend int }
				if err := r.DecodeParam(0, &p); err != nil {
					return nil, err
				}
				return p.Minuend - p.Subtrahend, nil
			}
			var a, b int
			if err := r.DecodeParam(0, &a); err != nil {
				return nil, err
			}
			if err := r.DecodeParam(1, &b); err != nil {
				return nil, err
			}
			return a - b, nil
		case "sum":
			n := 0
			for i := 0; i < r.NumParams(); i++ {
				var x int
				if err := r.DecodeParam(i, &x); err != nil {
					return nil, err
				}
				n += x
			}
			return n, nil
		case "get_data":
			return []any{"hello", 5}, nil
		case "update", "notify_hello", "notify_sum":
			*notified = append(*notified, r.Method)
			return nil, nil
		}
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: "Method not found"}
	}
}

// semantic decodes a response body with encoding/json, dropping error messages (the specification's
// texts are examples), so responses compare by meaning.
func semantic(t *testing.T, body []byte) any {
	t.Helper()
	if len(body) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("response %s is not JSON: %v", body, err)
	}
	var strip func(any)
	strip = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				strip(e)
			}
		case map[string]any:
			if e, ok := x["error"].(map[string]any); ok {
				delete(e, "message")
			}
		}
	}
	strip(v)
	return v
}

func TestSpecificationExamples(t *testing.T) {
	tests := []struct {
		name, req, resp string
		notified        []string
	}{
		{"positional", `{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}`,
			`{"jsonrpc": "2.0", "result": 19, "id": 1}`, nil},
		{"positional reversed", `{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}`,
			`{"jsonrpc": "2.0", "result": -19, "id": 2}`, nil},
		{"named", `{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}`,
			`{"jsonrpc": "2.0", "result": 19, "id": 3}`, nil},
		{"named reordered", `{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}`,
			`{"jsonrpc": "2.0", "result": 19, "id": 4}`, nil},
		{"notification", `{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}`, ``, []string{"update"}},
		{"notification of unknown method", `{"jsonrpc": "2.0", "method": "foobar"}`, ``, nil},
		{"unknown method", `{"jsonrpc": "2.0", "method": "foobar", "id": "1"}`,
			`{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "1"}`, nil},
		{"invalid JSON", `{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]`,
			`{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}`, nil},
		{"invalid request", `{"jsonrpc": "2.0", "method": 1, "params": "bar"}`,
			`{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}`, nil},
		{"batch with invalid JSON", `[
  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
  {"jsonrpc": "2.0", "method"
]`, `{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}`, nil},
		{"empty batch", `[]`, `{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}`, nil},
		{"invalid batch of one", `[1]`,
			`[{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}]`, nil},
		{"invalid batch", `[1,2,3]`, `[
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}]`, nil},
		{"batch", `[
  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
  {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
  {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
  {"foo": "boo"},
  {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
  {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
]`, `[
  {"jsonrpc": "2.0", "result": 7, "id": "1"},
  {"jsonrpc": "2.0", "result": 19, "id": "2"},
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
  {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "5"},
  {"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"}]`, []string{"notify_hello"}},
		{"batch of notifications", `[
  {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
  {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
]`, ``, []string{"notify_sum", "notify_hello"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var notified []string
			var c jsonrpc.Codec
			out, _ := c.Serve(context.Background(), nil, []byte(tt.req), specHandler(&notified))
			if got, want := semantic(t, out), semantic(t, []byte(tt.resp)); !reflect.DeepEqual(got, want) {
				t.Errorf("response\n got %s\nwant %s", out, tt.resp)
			}
			if !reflect.DeepEqual(notified, tt.notified) {
				t.Errorf("notifications run: %v, want %v", notified, tt.notified)
			}
		})
	}
}

func TestIDsEchoedExactly(t *testing.T) {
	for _, id := range []string{`1`, `-0`, `12345678901234567890123456789`, `1.50`, `1e400`, `"abc"`, `"a\u0041\n"`, `""`, `null`} {
		var c jsonrpc.Codec
		body := `{"jsonrpc":"2.0","method":"get_data","id":` + id + `}`
		var notified []string
		out, _ := c.Serve(context.Background(), nil, []byte(body), specHandler(&notified))
		want := `{"jsonrpc":"2.0","id":` + id + `,"result":["hello",5]}`
		if string(out) != want {
			t.Errorf("id %s: got %s, want %s", id, out, want)
		}
	}
}

func TestInvalidIDs(t *testing.T) {
	for _, id := range []string{`true`, `{}`, `[1]`} {
		var c jsonrpc.Codec
		out, _ := c.Serve(context.Background(), nil, []byte(`{"jsonrpc":"2.0","method":"get_data","id":`+id+`}`), specHandler(new([]string)))
		want := `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: \"id\" must be a string, a number or null"}}`
		if string(out) != want {
			t.Errorf("id %s: got %s, want %s", id, out, want)
		}
	}
}

func TestInvalidRequests(t *testing.T) {
	for _, tt := range []struct{ body, msg, id string }{
		{`{"jsonrpc":"1.0","method":"sum","id":1}`, `\"jsonrpc\" must be \"2.0\"`, "1"},
		{`{"jsonrpc":2.0,"method":"sum","id":1}`, `\"jsonrpc\" must be \"2.0\"`, "1"},
		{`{"jsonrpc":"2.0","id":1}`, `missing \"method\"`, "1"},
		{`{"jsonrpc":"2.0","method":"","id":1}`, `empty \"method\"`, "1"},
		{`{"jsonrpc":"2.0","method":"sum","params":3,"id":"x"}`, `\"params\" must be an array or an object`, `"x"`},
		{`{"jsonrpc":"2.0","method":"sum","params":null,"id":1}`, `\"params\" must be an array or an object`, "1"},
		{`"sum"`, `not an object`, "null"},
	} {
		var c jsonrpc.Codec
		out, sum := c.Serve(context.Background(), nil, []byte(tt.body), specHandler(new([]string)))
		want := `{"jsonrpc":"2.0","id":` + tt.id + `,"error":{"code":-32600,"message":"invalid request: ` + tt.msg + `"}}`
		if string(out) != want || sum.Code != jsonrpc.CodeInvalidRequest {
			t.Errorf("%s:\n got %s (code %d)\nwant %s", tt.body, out, sum.Code, want)
		}
	}
}

// TestVersion1 checks JSON-RPC 1.0 requests, as jsonrpclib in 1.0 mode and Go's net/rpc/jsonrpc
// send them: answered in 1.0 style, a null id making a notification.
func TestVersion1(t *testing.T) {
	var notified []string
	c := jsonrpc.Codec{}
	h := specHandler(&notified)
	out, _ := c.Serve(context.Background(), nil, []byte(`{"method":"subtract","params":[42,23],"id":7}`), h)
	if want := `{"id":7,"result":19,"error":null}`; string(out) != want {
		t.Errorf("got %s, want %s", out, want)
	}
	out, _ = c.Serve(context.Background(), nil, []byte(`{"method":"nope","params":[],"id":"q"}`), h)
	if want := `{"id":"q","result":null,"error":{"code":-32601,"message":"Method not found"}}`; string(out) != want {
		t.Errorf("got %s, want %s", out, want)
	}
	c.Encode.V1StringErrors = true
	out, _ = c.Serve(context.Background(), nil, []byte(`{"method":"nope","params":[],"id":"q"}`), h)
	if want := `{"id":"q","result":null,"error":"Method not found"}`; string(out) != want {
		t.Errorf("got %s, want %s", out, want)
	}
	out, _ = c.Serve(context.Background(), nil, []byte(`{"method":"update","params":[1],"id":null}`), h)
	if len(out) != 0 || !reflect.DeepEqual(notified, []string{"update"}) {
		t.Errorf("1.0 notification: answered %q, ran %v", out, notified)
	}
	out, _ = c.Serve(context.Background(), nil, []byte(`{"method":"sum","params":null,"id":1}`), h)
	if want := `{"id":1,"result":0,"error":null}`; string(out) != want {
		t.Errorf("1.0 null params: got %s, want %s", out, want)
	}
}

func TestServeHandlerErrors(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&jsonrpc.Error{Code: 42, Message: "no", Data: map[string]any{"why": []any{1, "x"}}},
			`{"jsonrpc":"2.0","id":1,"error":{"code":42,"message":"no","data":{"why":[1,"x"]}}}`},
		{faultLike{}, `{"jsonrpc":"2.0","id":1,"error":{"code":4,"message":"too many parameters"}}`},
		{errors.New("plain \xff"), `{"jsonrpc":"2.0","id":1,"error":{"code":7,"message":"plain \ufffd"}}`},
		{&jsonrpc.Error{Code: 1, Message: "bad data", Data: func() {}}, `{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"bad data"}}`},
	}
	for _, tt := range tests {
		c := jsonrpc.Codec{ErrorCode: 7}
		out, sum := c.Serve(context.Background(), nil, []byte(`{"jsonrpc":"2.0","method":"m","id":1}`),
			func(context.Context, *jsonrpc.Request) (any, error) { return nil, tt.err })
		if string(out) != tt.want {
			t.Errorf("%v:\n got %s\nwant %s", tt.err, out, tt.want)
		}
		if sum.Code == 0 || sum.Method != "m" {
			t.Errorf("summary %+v", sum)
		}
	}
	// A result that cannot be encoded is an internal error, in place, inside a batch too.
	c := jsonrpc.Codec{}
	out, _ := c.Serve(context.Background(), nil, []byte(`[{"jsonrpc":"2.0","method":"m","id":1},{"jsonrpc":"2.0","method":"ok","id":2}]`),
		func(_ context.Context, r *jsonrpc.Request) (any, error) {
			if r.Method == "m" {
				return make(chan int), nil
			}
			return true, nil
		})
	want := `[{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"internal error: cannot encode the result of m: jsonrpc: unsupported type chan int at result"}},{"jsonrpc":"2.0","id":2,"result":true}]`
	if string(out) != want {
		t.Errorf("unencodable result:\n got %s\nwant %s", out, want)
	}
}

// faultLike is an error with a code, like *xmlrpc.Fault, that this package does not know.
type faultLike struct{}

func (faultLike) Error() string       { return "xmlrpc: fault 4: too many parameters" }
func (faultLike) FaultCode() int      { return 4 }
func (faultLike) FaultString() string { return "too many parameters" }

func TestServeStopsBatchWhenContextDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ran := 0
	c := jsonrpc.Codec{}
	out, _ := c.Serve(ctx, []byte("prefix:"), []byte(`[{"jsonrpc":"2.0","method":"a","id":1},{"jsonrpc":"2.0","method":"b","id":2},{"jsonrpc":"2.0","method":"c"}]`),
		func(context.Context, *jsonrpc.Request) (any, error) { ran++; cancel(); return 1, nil })
	want := `prefix:[{"jsonrpc":"2.0","id":1,"result":1},{"jsonrpc":"2.0","id":2,"error":{"code":-32603,"message":"not run: context canceled"}}]`
	if string(out) != want || ran != 1 {
		t.Errorf("got %s (ran %d), want %s", out, ran, want)
	}
}

func TestServeKeepsDstForNotifications(t *testing.T) {
	c := jsonrpc.Codec{}
	out, sum := c.Serve(context.Background(), []byte("keep"), []byte(`[{"jsonrpc":"2.0","method":"a"},{"jsonrpc":"2.0","method":"b"}]`),
		func(context.Context, *jsonrpc.Request) (any, error) { return nil, errors.New("ignored") })
	if string(out) != "keep" || !sum.Batch || sum.Requests != 2 {
		t.Errorf("got %q %+v", out, sum)
	}
}

// TestServeConcurrently serves from many goroutines at once with one Codec (run with -race).
func TestServeConcurrently(t *testing.T) {
	var c jsonrpc.Codec
	done := make(chan string, 8)
	for g := range 8 {
		go func() {
			body := []byte(`[{"jsonrpc":"2.0","method":"sum","params":[1,2,` + string(rune('0'+g)) + `],"id":"\u0067"},{"jsonrpc":"2.0","method":"get_data","id":2}]`)
			var last string
			for range 200 {
				out, _ := c.Serve(context.Background(), nil, body, specHandler(new([]string)))
				last = string(out)
			}
			done <- last
		}()
	}
	for range 8 {
		got := <-done
		if !strings.Contains(got, `"id":"\u0067","result":`) || !strings.Contains(got, `"result":["hello",5]`) {
			t.Errorf("got %s", got)
		}
	}
}
