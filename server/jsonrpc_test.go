package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// postJSON posts body as application/json and returns the status and the response body.
func postJSON(t testing.TB, url, body string) (int, http.Header, []byte) {
	t.Helper()
	return post(t, url, body, "Content-Type", "application/json")
}

// jsonResult posts body and decodes the single response it must get into reply.
func jsonResult(t testing.TB, url, body string, reply any) error {
	t.Helper()
	status, h, resp := postJSON(t, url, body)
	if status != http.StatusOK {
		t.Fatalf("%s: status %d: %s", body, status, resp)
	}
	if ct := h.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	return jsonrpc.UnmarshalResponse(resp, reply)
}

func jsonErrorOf(t testing.TB, err error) *jsonrpc.Error {
	t.Helper()
	var e *jsonrpc.Error
	if !errors.As(err, &e) {
		t.Fatalf("want an error object, got %v", err)
	}
	return e
}

func TestJSONRPCCalls(t *testing.T) {
	_, url := newServer(t, testRegistry(t, nil), nil)
	url += "/RPC2"
	tests := []struct {
		name, body string
		want       any
	}{
		{"positional", `{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}`, 5},
		{"named struct", `{"jsonrpc":"2.0","method":"record","params":{"name":"x","count":1,"when":"2024-05-01T12:30:00Z","blob":"AAH+"},"id":"a"}`,
			map[string]any{"name": "x", "count": 2, "when": "2024-05-01T12:30:00Z", "blob": "AAH+"}},
		{"named map", `{"jsonrpc":"2.0","method":"echo","params":{"k":[1,"two",null]},"id":2}`, map[string]any{"k": []any{1, "two", nil}}},
		{"big integer", `{"jsonrpc":"2.0","method":"echo","params":[9007199254740993],"id":3}`, int64(9007199254740993)},
		{"json-rpc 1.0", `{"method":"add","params":[1,2],"id":4}`, 3},
		{"control character", `{"jsonrpc":"2.0","method":"echo","params":["x\u0001"],"id":5}`, "x\x01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got any
			if err := jsonResult(t, url, tt.body, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
	// The id comes back with its exact text, and 1.0 is answered in 1.0.
	_, _, resp := postJSON(t, url, `{"jsonrpc":"2.0","method":"add","params":[2,3],"id":12345678901234567890123}`)
	if string(resp) != `{"jsonrpc":"2.0","id":12345678901234567890123,"result":5}` {
		t.Fatalf("response %s", resp)
	}
	_, _, resp = postJSON(t, url, `{"method":"add","params":[1,2],"id":"x"}`)
	if string(resp) != `{"id":"x","result":3,"error":null}` {
		t.Fatalf("1.0 response %s", resp)
	}
}

func TestJSONRPCErrors(t *testing.T) {
	reg := testRegistry(t, nil)
	reg.MustRegister("detailed", func() error {
		return &jsonrpc.Error{Code: 42, Message: "with data", Data: map[string]any{"field": "name"}}
	}, "Fails with an error object carrying data.")
	reg.MustRegister("nan", math.NaN, "Returns NaN, which JSON cannot carry.")
	_, url := newServer(t, reg, nil)
	url += "/RPC2"
	req := func(method, params string) string {
		return `{"jsonrpc":"2.0","method":"` + method + `","params":` + params + `,"id":7}`
	}
	tests := []struct {
		name, body string
		code       int
		contains   string
	}{
		{"unknown", req("nope", "[]"), jsonrpc.CodeMethodNotFound, `"nope"`},
		{"too few", req("add", "[1]"), jsonrpc.CodeInvalidParams, "got 1"},
		{"wrong type", req("add", `[1,"2"]`), jsonrpc.CodeInvalidParams, "params[1]"},
		{"named to positional", req("add", `{"a":1,"b":2}`), jsonrpc.CodeInvalidParams, ""},
		{"app error", req("div", "[1,0]"), 500, "division by zero"},
		{"xmlrpc fault", req("fault", `[4711,"custom"]`), 4711, "custom"},
		{"panic", req("panic", "[]"), jsonrpc.CodeInternalError, "internal error"},
		{"no version", `{"jsonrpc":"1.5","method":"add","params":[1,2],"id":1}`, jsonrpc.CodeInvalidRequest, "2.0"},
		{"not json", `{"jsonrpc":"2.0",`, jsonrpc.CodeParseError, "parse error"},
		{"empty batch", `[]`, jsonrpc.CodeInvalidRequest, "empty batch"},
		{"nan result", req("nan", "[]"), jsonrpc.CodeInternalError, "cannot encode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := jsonErrorOf(t, jsonResult(t, url, tt.body, nil))
			if e.Code != tt.code || !strings.Contains(e.Message, tt.contains) {
				t.Fatalf("error %d %q, want %d containing %q", e.Code, e.Message, tt.code, tt.contains)
			}
			if strings.Contains(e.Message, "handler.go") {
				t.Fatalf("message leaks a path: %q", e.Message)
			}
		})
	}
	e := jsonErrorOf(t, jsonResult(t, url, req("detailed", "[]"), nil))
	if e.Code != 42 || !reflect.DeepEqual(e.Data, map[string]any{"field": "name"}) {
		t.Fatalf("error object %+v", e)
	}
	// An XML-RPC client of the same method gets the code as a fault.
	var f *xmlrpc.Fault
	if err := call(t, url, "detailed", nil); !errors.As(err, &f) || f.Code != 42 || f.String != "with data" {
		t.Fatalf("over XML-RPC: %v", err)
	}
}

func TestJSONRPCNotificationsAndBatches(t *testing.T) {
	reg := testRegistry(t, nil)
	var mu sync.Mutex
	var seen []string
	reg.MustRegister("note", func(s string) { mu.Lock(); seen = append(seen, s); mu.Unlock() }, "Records s.")
	_, url := newServer(t, reg, nil)
	url += "/RPC2"

	for _, body := range []string{
		`{"jsonrpc":"2.0","method":"note","params":["one"]}`,
		`[{"jsonrpc":"2.0","method":"note","params":["two"]},{"jsonrpc":"2.0","method":"note","params":["three"]}]`,
		`{"jsonrpc":"2.0","method":"nope"}`, // a failing notification is not answered either
	} {
		status, _, resp := postJSON(t, url, body)
		if status != http.StatusNoContent || len(resp) != 0 {
			t.Fatalf("%s: status %d, body %q; want 204 and no body", body, status, resp)
		}
	}
	status, _, resp := postJSON(t, url, `[
		{"jsonrpc":"2.0","method":"add","params":[1,2],"id":"a"},
		{"jsonrpc":"2.0","method":"note","params":["four"]},
		{"jsonrpc":"2.0","method":"nope","id":"b"},
		1,
		{"jsonrpc":"2.0","method":"system.methodExist","params":["add"],"id":null}]`)
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	var got []map[string]any
	if err := json.Unmarshal(resp, &got); err != nil {
		t.Fatalf("%v: %s", err, resp)
	}
	if len(got) != 4 {
		t.Fatalf("%d answers, want 4 (the notification left out): %s", len(got), resp)
	}
	code := func(m map[string]any) float64 { return m["error"].(map[string]any)["code"].(float64) }
	if got[0]["id"] != "a" || got[0]["result"] != 3.0 || got[1]["id"] != "b" || code(got[1]) != jsonrpc.CodeMethodNotFound ||
		got[2]["id"] != nil || code(got[2]) != jsonrpc.CodeInvalidRequest || got[3]["result"] != true {
		t.Fatalf("batch answer %s", resp)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seen, ",") != "one,two,three,four" {
		t.Fatalf("notifications ran as %v", seen)
	}
}

func TestJSONRPCProtocolSelection(t *testing.T) {
	_, url := newServer(t, testRegistry(t, nil), nil)
	url += "/RPC2"
	jsonBody := `{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}`
	xmlBody := string(mustMarshalCall(t, "add", 2, 3))
	tests := []struct {
		ct, body, want string
	}{
		{"application/json", jsonBody, "application/json"},
		{"application/json; charset=utf-8", jsonBody, "application/json"},
		{"application/json-rpc", jsonBody, "application/json"},
		{"application/jsonrequest", jsonBody, "application/json"},
		{"text/plain", "  \n" + jsonBody, "application/json"},
		{"application/octet-stream", "[" + jsonBody + "]", "application/json"},
		{"", jsonBody, "application/json"},
		{"text/plain", xmlBody, "text/xml; charset=utf-8"},
		{"", xmlBody, "text/xml; charset=utf-8"},
		{"text/xml", xmlBody, "text/xml; charset=utf-8"},
		// The Content-Type decides when it names a protocol: JSON sent as text/xml is bad XML.
		{"text/xml", jsonBody, "text/xml; charset=utf-8"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(tt.body))
		if tt.ct != "" {
			req.Header.Set("Content-Type", tt.ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || got != tt.want {
			t.Errorf("Content-Type %q, body %.20q: answered %d %q, want %q", tt.ct, tt.body, resp.StatusCode, got, tt.want)
		}
	}
}

func mustMarshalCall(t testing.TB, method string, args ...any) []byte {
	t.Helper()
	b, err := xmlrpc.MarshalCall(method, args...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestJSONRPCIntrospection(t *testing.T) {
	_, url := newServer(t, testRegistry(t, nil), nil)
	url += "/"
	var names []string
	if err := jsonResult(t, url, `{"jsonrpc":"2.0","method":"system.listMethods","id":1}`, &names); err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 || names[0] != "add" {
		t.Fatalf("listMethods %v", names)
	}
	var sigs [][]string
	if err := jsonResult(t, url, `{"jsonrpc":"2.0","method":"system.methodSignature","params":["record"],"id":1}`, &sigs); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sigs, [][]string{{"object", "object"}}) {
		t.Fatalf("signature %v", sigs)
	}
	var caps map[string]any
	if err := jsonResult(t, url, `{"jsonrpc":"2.0","method":"system.getCapabilities","id":1}`, &caps); err != nil {
		t.Fatal(err)
	}
	if caps["json-rpc"] == nil || caps["introspection"] == nil || caps["xmlrpc"] != nil {
		t.Fatalf("capabilities %v", caps)
	}
	var results []any
	body := `{"jsonrpc":"2.0","method":"system.multicall","params":[[{"methodName":"add","params":[1,2]},` +
		`{"methodName":"record","params":[{"name":"n","when":"2024-05-01T00:00:00Z"}]},{"methodName":"nope"}]],"id":1}`
	if err := jsonResult(t, url, body, &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != 3 || !reflect.DeepEqual(results[0], []any{3}) ||
		results[1].([]any)[0].(map[string]any)["count"] != 1 ||
		results[2].(map[string]any)["faultCode"] != jsonrpc.CodeMethodNotFound {
		t.Fatalf("multicall %#v", results)
	}
}

func TestProtocolPaths(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.Paths = []string{"/RPC2"}
	cfg.XMLRPCPaths = []string{"/xml"}
	cfg.JSONRPCPaths = []string{"/json"}
	_, url := newServer(t, testRegistry(t, nil), cfg)
	jsonBody := `{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}`
	var n int
	for _, p := range []string{"/RPC2", "/json"} {
		if err := jsonResult(t, url+p, jsonBody, &n); err != nil || n != 5 {
			t.Fatalf("%s: %d %v", p, n, err)
		}
	}
	for _, p := range []string{"/RPC2", "/xml"} {
		if err := call(t, url+p, "add", &n, 2, 3); err != nil || n != 5 {
			t.Fatalf("%s: %d %v", p, n, err)
		}
	}
	// A path for one protocol answers the other's body in its own format.
	status, h, resp := post(t, url+"/json", string(mustMarshalCall(t, "add", 2, 3)))
	if e := jsonErrorOf(t, jsonrpc.UnmarshalResponse(resp, nil)); status != 200 || h.Get("Content-Type") != "application/json" || e.Code != jsonrpc.CodeParseError {
		t.Fatalf("XML on /json: %d %s", status, resp)
	}
	status, _, resp = postJSON(t, url+"/xml", jsonBody)
	if f := faultOf(t, xmlrpc.UnmarshalResponse(resp, nil)); status != 200 || f.Code != rpc.CodeParseError {
		t.Fatalf("JSON on /xml: %d %s", status, resp)
	}
	status, _, resp = postJSON(t, url+"/", jsonBody)
	if status != http.StatusNotFound || !strings.Contains(string(resp), "/RPC2 /xml /json") {
		t.Fatalf("unlisted path: %d %s", status, resp)
	}
	// The documentation page names each protocol's paths and shows a call in each.
	resp2, err := http.Get(url + "/json")
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp2)
	for _, want := range []string{"XML-RPC: POST a methodCall with Content-Type text/xml to /RPC2 /xml.",
		"application/json to /RPC2 /json.", "&lt;methodName&gt;system.methodHelp&lt;/methodName&gt;",
		`{&#34;jsonrpc&#34;: &#34;2.0&#34;, &#34;method&#34;: &#34;system.methodHelp&#34;, &#34;params&#34;: [&#34;add&#34;], &#34;id&#34;: 1}`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func readAll(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestVerifyConfigPaths(t *testing.T) {
	bad := map[string]func(c *server.Config){
		"no paths at all":   func(c *server.Config) { c.Paths = nil },
		"star in json":      func(c *server.Config) { c.JSONRPCPaths = []string{"*"} },
		"relative xml":      func(c *server.Config) { c.XMLRPCPaths = []string{"xml"} },
		"path twice":        func(c *server.Config) { c.JSONRPCPaths = []string{"/RPC2"} },
		"zero batch":        func(c *server.Config) { c.MaxBatch = 0 },
		"negative values":   func(c *server.Config) { c.MaxValues = -1 },
		"twice in one list": func(c *server.Config) { c.JSONRPCPaths = []string{"/j", "/j"} },
	}
	for name, mod := range bad {
		cfg := server.DefaultConfig()
		mod(cfg)
		if err := server.VerifyConfig(cfg); !errors.Is(err, server.ErrInvalidConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	good := map[string]func(c *server.Config){
		"json only":     func(c *server.Config) { c.Paths = nil; c.JSONRPCPaths = []string{"/"} },
		"star and json": func(c *server.Config) { c.Paths = []string{"*"}; c.JSONRPCPaths = []string{"/json"} },
		"xml and json":  func(c *server.Config) { c.Paths = nil; c.XMLRPCPaths = []string{"/x"}; c.JSONRPCPaths = []string{"/j"} },
	}
	for name, mod := range good {
		cfg := server.DefaultConfig()
		mod(cfg)
		if err := server.VerifyConfig(cfg); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// crossValue holds the values JSON cannot carry natively.
type crossValue struct {
	Blob []byte    `xmlrpc:"blob"`
	When time.Time `xmlrpc:"when"`
	Big  int64     `xmlrpc:"big"`
	Neg  int64     `xmlrpc:"neg"`
}

// TestCrossProtocolValues stores values over one protocol and reads them back over the other
// from the same methods: they mean the same thing either way.
func TestCrossProtocolValues(t *testing.T) {
	reg := testRegistry(t, nil)
	var mu sync.Mutex
	var stored crossValue
	reg.MustRegister("store", func(v crossValue) { mu.Lock(); stored = v; mu.Unlock() }, "Stores v.")
	reg.MustRegister("load", func() crossValue { mu.Lock(); defer mu.Unlock(); return stored }, "Returns what was stored.")
	_, url := newServer(t, reg, nil)
	url += "/RPC2"
	want := crossValue{
		Blob: []byte{0, 1, 2, 0xfe, 0xff, '<', '"'},
		When: time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC),
		Big:  1<<53 + 1,
		Neg:  -(1 << 62) - 3,
	}

	// XML-RPC in, JSON-RPC out.
	if err := call(t, url, "store", nil, want); err != nil {
		t.Fatal(err)
	}
	_, _, raw := postJSON(t, url, `{"jsonrpc":"2.0","method":"load","id":1}`)
	wantRaw := `{"jsonrpc":"2.0","id":1,"result":{"blob":"AAEC/v88Ig==","when":"2024-05-01T12:30:00Z","big":9007199254740993,"neg":-4611686018427387907}}`
	if string(raw) != wantRaw {
		t.Fatalf("JSON-RPC reads back\n%s\nwant\n%s", raw, wantRaw)
	}
	var got crossValue
	if err := jsonrpc.UnmarshalResponse(raw, &got); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded %+v, %v; want %+v", got, err, want)
	}

	// JSON-RPC in (named params), XML-RPC out.
	mu.Lock()
	stored = crossValue{}
	mu.Unlock()
	status, _, resp := postJSON(t, url, `{"jsonrpc":"2.0","method":"store","params":{"blob":"AAEC/v88Ig==","when":"2024-05-01T12:30:00Z","big":9007199254740993,"neg":-4611686018427387907},"id":2}`)
	if status != 200 {
		t.Fatalf("store over JSON-RPC: %d %s", status, resp)
	}
	got = crossValue{}
	if err := call(t, url, "load", &got); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("XML-RPC reads back %+v, %v; want %+v", got, err, want)
	}
	// The XML-RPC types are the native ones: base64, dateTime.iso8601, i8.
	status, _, resp = post(t, url, string(mustMarshalCall(t, "load")))
	for _, tag := range []string{"<base64>AAEC/v88Ig==</base64>", "<dateTime.iso8601>20240501T12:30:00</dateTime.iso8601>", "<i8>9007199254740993</i8>"} {
		if status != 200 || !strings.Contains(string(resp), tag) {
			t.Fatalf("XML-RPC answer lacks %s: %s", tag, resp)
		}
	}
}

func TestJSONRPCLargeIntsAsStrings(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.LargeIntsAsStrings = true
	_, url := newServer(t, testRegistry(t, nil), cfg)
	_, _, resp := postJSON(t, url+"/RPC2", `{"jsonrpc":"2.0","method":"echo","params":[[9007199254740993,9007199254740991]],"id":1}`)
	if string(resp) != `{"jsonrpc":"2.0","id":1,"result":["9007199254740993",9007199254740991]}` {
		t.Fatalf("response %s", resp)
	}
}

// TestJSONRPCCallTimeout checks that an abandoned JSON-RPC call is answered with an error object.
func TestJSONRPCCallTimeout(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.CallTimeout = 50 * time.Millisecond
	reg := testRegistry(t, nil)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	reg.MustRegister("stuck", func(context.Context) int { <-release; return 1 }, "Ignores its context.")
	_, url := newServer(t, reg, cfg)
	e := jsonErrorOf(t, jsonResult(t, url+"/RPC2", `{"jsonrpc":"2.0","method":"stuck","id":1}`, nil))
	if e.Code != jsonrpc.CodeInternalError || !strings.Contains(e.Message, "did not finish") {
		t.Fatalf("error %+v", e)
	}
}
