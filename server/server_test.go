package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

func TestCalls(t *testing.T) {
	_, url := newServer(t, testRegistry(t, nil), nil)
	when := time.Date(1998, 7, 17, 14, 8, 55, 0, time.UTC)
	rec := Record{Name: "héllo ☃", Count: 41, When: when, Blob: []byte{0, 1, 254}, Tags: []string{"a"}}
	tests := []struct {
		method string
		args   []any
		want   any
	}{
		{"add", []any{2, 3}, 5},
		{"add", []any{int64(math.MaxInt32), int64(1)}, int64(math.MaxInt32) + 1},
		{"echo", []any{"unicode ☃ \U0001F600 <&>"}, "unicode ☃ \U0001F600 <&>"},
		{"echo", []any{nil}, nil},
		{"echo", []any{true}, true},
		{"echo", []any{1.5}, 1.5},
		{"echo", []any{int64(1) << 40}, int64(1) << 40},
		{"echo", []any{when}, when},
		{"echo", []any{[]byte("bin\x00ary")}, []byte("bin\x00ary")},
		{"echo", []any{[]any{1, "two", []any{}}}, []any{1, "two", []any{}}},
		{"echo", []any{map[string]any{"k": map[string]any{}}}, map[string]any{"k": map[string]any{}}},
		{"record", []any{rec}, map[string]any{"name": rec.Name, "count": 42, "when": when, "blob": rec.Blob, "tags": []any{"a"}}},
		{"div", []any{1.0, 4.0}, 0.25},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			var got any
			if err := call(t, url+"/RPC2", tt.method, &got, tt.args...); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("%s(%v) = %#v, want %#v", tt.method, tt.args, got, tt.want)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	var logs syncBuffer
	_, url := newServer(t, testRegistry(t, slog.New(slog.NewTextHandler(&logs, nil))), nil)
	tests := []struct {
		name, method string
		args         []any
		code         int
		contains     string
	}{
		{"unknown", "nope", nil, rpc.CodeMethodNotFound, `"nope"`},
		{"too few", "add", []any{1}, rpc.CodeInvalidParams, "takes 2 parameters, got 1"},
		{"too many", "add", []any{1, 2, 3}, rpc.CodeInvalidParams, "got 3"},
		{"wrong type", "add", []any{1, "2"}, rpc.CodeInvalidParams, "params[1]"},
		{"wrong member", "record", []any{map[string]any{"count": "x"}}, rpc.CodeInvalidParams, "params[0].count"},
		{"app error", "div", []any{1.0, 0.0}, 500, "division by zero"},
		{"own fault", "fault", []any{4711, "custom"}, 4711, "custom"},
		{"panic", "panic", nil, rpc.CodeInternalError, "internal error"},
		{"bad result", "echo", []any{"x\x01"}, rpc.CodeParseError, "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args []any
			args = append(args, tt.args...)
			body, err := xmlrpc.MarshalCall(tt.method, args...)
			if err != nil { // a control character cannot be marshalled: send it raw
				body = []byte("<methodCall><methodName>echo</methodName><params><param><value>x\x01</value></param></params></methodCall>")
			}
			status, _, resp := post(t, url, string(body))
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			f := faultOf(t, xmlrpc.UnmarshalResponse(resp, nil))
			if f.Code != tt.code || !strings.Contains(f.String, tt.contains) {
				t.Fatalf("fault %d %q, want %d containing %q", f.Code, f.String, tt.code, tt.contains)
			}
			if strings.Contains(f.String, ".go") || strings.Contains(f.String, "goroutine") {
				t.Fatalf("fault leaks internals: %q", f.String)
			}
		})
	}
	if !strings.Contains(logs.String(), "handler.go:42") || !strings.Contains(logs.String(), "helpers_test.go") {
		t.Fatalf("the panic's stack was not logged: %s", logs.String())
	}
	var sum int
	if err := call(t, url, "add", &sum, 2, 3); err != nil || sum != 5 {
		t.Fatalf("serving after a panic: %v %v", sum, err)
	}
}

func TestNaNResultIsInternalError(t *testing.T) {
	reg := testRegistry(t, nil)
	reg.MustRegister("nan", func() float64 { return math.NaN() }, "")
	_, url := newServer(t, reg, nil)
	f := faultOf(t, call(t, url, "nan", nil))
	if f.Code != rpc.CodeInternalError || !strings.Contains(f.String, "cannot encode the result of nan") {
		t.Fatalf("fault %v", f)
	}
}

func TestIntrospectionAndMulticall(t *testing.T) {
	_, url := newServer(t, testRegistry(t, nil), nil)
	var names []string
	if err := call(t, url, "system.listMethods", &names); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(names, ","), "add,big,div,echo") {
		t.Fatalf("listMethods = %v", names)
	}
	var sig [][]string
	if err := call(t, url, "system.methodSignature", &sig, "div"); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sig, [][]string{{"double", "double", "double"}}) {
		t.Fatalf("signature of div = %v", sig)
	}
	if err := call(t, url, "system.methodSignature", &sig, "record"); err != nil || sig[0][1] != "struct" {
		t.Fatalf("signature of record = %v %v", sig, err)
	}
	var help string
	if err := call(t, url, "system.methodHelp", &help, "add"); err != nil || help != "Adds two integers." {
		t.Fatalf("help = %q %v", help, err)
	}
	var caps map[string]map[string]any
	if err := call(t, url, "system.getCapabilities", &caps); err != nil || caps["faults_interop"]["specVersion"] != 20010516 || caps["nil"] == nil {
		t.Fatalf("capabilities = %v %v", caps, err)
	}
	var exists bool
	if err := call(t, url, "system.methodExist", &exists, "div"); err != nil || !exists {
		t.Fatalf("methodExist = %v %v", exists, err)
	}
	calls := []map[string]any{
		{"methodName": "add", "params": []any{2, 3}},
		{"methodName": "record", "params": []any{map[string]any{"name": "n", "count": 1}}},
		{"methodName": "div", "params": []any{1, 0}},
		{"methodName": "system.multicall", "params": []any{[]any{}}},
		{"methodName": "nope"},
	}
	var res []any
	if err := call(t, url, "system.multicall", &res, calls); err != nil {
		t.Fatal(err)
	}
	if len(res) != 5 || !reflect.DeepEqual(res[0], []any{5}) {
		t.Fatalf("multicall = %#v", res)
	}
	if r := res[1].([]any)[0].(map[string]any); r["count"] != 2 {
		t.Fatalf("multicall record = %#v", res[1])
	}
	for i, code := range map[int]int{2: 500, 3: rpc.CodeInvalidRequest, 4: rpc.CodeMethodNotFound} {
		if f := res[i].(map[string]any); f["faultCode"] != code {
			t.Errorf("entry %d = %#v, want fault %d", i, f, code)
		}
	}
}

func TestPathsAndMethods(t *testing.T) {
	reg := testRegistry(t, nil)
	_, url := newServer(t, reg, nil)
	cfg := server.DefaultConfig()
	cfg.Paths = []string{"/api/xmlrpc"}
	cfg.DisableDocs = true
	_, custom := newServer(t, reg, cfg)
	cfg = server.DefaultConfig()
	cfg.Paths = []string{"*"}
	_, anyPath := newServer(t, reg, cfg)
	add := `<methodCall><methodName>add</methodName><params><param><value><int>2</int></value></param><param><value><int>3</int></value></param></params></methodCall>`
	tests := []struct {
		method, url string
		status      int
		contains    string
	}{
		{"POST", url + "/", 200, "<int>5</int>"},
		{"POST", url + "/RPC2", 200, "<int>5</int>"},
		{"POST", url + "/rpc2", 404, "not found"},
		{"POST", url + "/other", 404, "not found"},
		{"GET", url + "/", 200, "Adds two integers."},
		{"GET", url + "/RPC2", 200, "(int, int) → int"},
		{"HEAD", url + "/", 200, ""},
		{"PUT", url + "/", 405, "method not allowed"},
		{"POST", custom + "/api/xmlrpc", 200, "<int>5</int>"},
		{"POST", custom + "/", 404, "not found"},
		{"GET", custom + "/api/xmlrpc", 405, "method not allowed"},
		{"POST", anyPath + "/any/where", 200, "<int>5</int>"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, tt.url, strings.NewReader(add))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.contains) {
			t.Errorf("%s %s = %d %q, want %d containing %q", tt.method, tt.url, resp.StatusCode, b, tt.status, tt.contains)
		}
		if tt.method == "GET" && tt.status == 200 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("documentation page served as %q", resp.Header.Get("Content-Type"))
		}
	}
}

func TestDocsPageFollowsRegistrations(t *testing.T) {
	reg := testRegistry(t, nil)
	_, url := newServer(t, reg, nil)
	get := func() string {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if strings.Contains(get(), "late.method") {
		t.Fatal("not registered yet")
	}
	reg.MustRegister("late.method", func(xs ...string) []string { return xs }, "Registered <late> & escaped.")
	page := get()
	if !strings.Contains(page, "late.method") || !strings.Contains(page, "(string...) → array") ||
		!strings.Contains(page, "Registered &lt;late&gt; &amp; escaped.") {
		t.Fatalf("page lacks the late method: %s", page)
	}
}

func gzipped(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGzip(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.MaxBodySize = 64 << 10
	_, url := newServer(t, testRegistry(t, nil), cfg)
	callBig := func(n int) []byte {
		b, _ := xmlrpc.MarshalCall("big", n)
		return b
	}
	// A gzip bomb: small compressed, far over the limit decompressed.
	bomb := gzipped(t, append(append([]byte("<methodCall><methodName>echo</methodName><params><param><value>"),
		bytes.Repeat([]byte("a"), 10<<20)...), "</value></param></params></methodCall>"...))
	tests := []struct {
		name     string
		body     []byte
		encoding string
		accept   string
		status   int
		gzipped  bool
	}{
		{"gzip request", gzipped(t, callBig(10)), "gzip", "", 200, false},
		{"x-gzip request", gzipped(t, callBig(10)), "x-gzip", "", 200, false},
		{"large response gzipped", callBig(5000), "", "gzip, deflate", 200, true},
		{"large response, gzip refused", callBig(5000), "", "gzip;q=0, identity", 200, false},
		{"large response, no Accept-Encoding", callBig(5000), "", "", 200, false},
		{"small response", callBig(10), "", "gzip", 200, false},
		{"bomb", bomb, "gzip", "", 413, false},
		{"not gzip", []byte("plain text"), "gzip", "", 400, false},
		{"truncated gzip", gzipped(t, callBig(10))[:20], "gzip", "", 400, false},
		{"unknown encoding", callBig(10), "br", "", 415, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", url, bytes.NewReader(tt.body))
			req.Header.Set("Content-Type", "text/xml")
			if tt.encoding != "" {
				req.Header.Set("Content-Encoding", tt.encoding)
			}
			// Go's transport decompresses transparently only when it asked itself; ask explicitly.
			req.Header.Set("Accept-Encoding", tt.accept)
			if tt.accept == "" {
				req.Header.Del("Accept-Encoding")
			}
			tr := &http.Transport{DisableCompression: true}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, b)
			}
			if got := resp.Header.Get("Content-Encoding") == "gzip"; got != tt.gzipped {
				t.Fatalf("gzipped %v, want %v", got, tt.gzipped)
			}
			if tt.status != 200 {
				return
			}
			if tt.gzipped {
				zr, err := gzip.NewReader(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				if b, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if resp.Header.Get("Content-Length") == "" {
				t.Fatal("no Content-Length")
			}
			var s string
			if err := xmlrpc.UnmarshalResponse(b, &s); err != nil || !strings.HasPrefix(s, "xxxxxxxxxx") {
				t.Fatalf("response %q: %v", s, err)
			}
		})
	}
}

func TestBodyLimits(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.MaxBodySize = 1 << 10
	_, url := newServer(t, testRegistry(t, nil), cfg)
	small, _ := xmlrpc.MarshalCall("add", 2, 3)
	large, _ := xmlrpc.MarshalCall("big", strings.Repeat("y", 2000))
	tests := []struct {
		name    string
		body    []byte
		chunked bool
		status  int
	}{
		{"content-length", small, false, 200},
		{"chunked", small, true, 200},
		{"over, content-length", large, false, 413},
		{"over, chunked", large, true, 413},
		{"empty", nil, false, 200}, // a parse error fault
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = bytes.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body) // unknown length: sent chunked
			}
			req, _ := http.NewRequest("POST", url, body)
			if tt.chunked && req.ContentLength != 0 {
				t.Fatal("not chunked")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, b)
			}
		})
	}
}

func TestMaxInFlight(t *testing.T) {
	reg := testRegistry(t, nil)
	release := make(chan struct{})
	entered := make(chan struct{}, 4)
	reg.MustRegister("block", func() bool { entered <- struct{}{}; <-release; return true }, "")
	cfg := server.DefaultConfig()
	cfg.MaxInFlight = 2
	cfg.RetryAfter = 1500 * time.Millisecond
	s, url := newServer(t, reg, cfg)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ok bool
			if err := call(t, url, "block", &ok); err != nil || !ok {
				t.Errorf("block: %v %v", ok, err)
			}
		}()
	}
	<-entered
	<-entered
	if s.InFlight() != 2 {
		t.Fatalf("in flight %d", s.InFlight())
	}
	body, _ := xmlrpc.MarshalCall("add", 1, 2)
	status, hdr, _ := post(t, url, string(body))
	if status != http.StatusServiceUnavailable || hdr.Get("Retry-After") != "2" {
		t.Fatalf("over the cap: %d Retry-After %q", status, hdr.Get("Retry-After"))
	}
	close(release)
	wg.Wait()
	var sum int
	if err := call(t, url, "add", &sum, 1, 2); err != nil || sum != 3 {
		t.Fatalf("after the burst: %v %v", sum, err)
	}
}

func TestClientGoneCancelsHandler(t *testing.T) {
	reg := testRegistry(t, nil)
	cancelled := make(chan error, 1)
	started := make(chan struct{})
	reg.MustRegister("wait", func(ctx context.Context) bool {
		close(started)
		select {
		case <-ctx.Done():
			cancelled <- ctx.Err()
		case <-time.After(5 * time.Second):
			cancelled <- nil
		}
		return true
	}, "")
	_, url := newServer(t, reg, nil)
	ctx, cancel := context.WithCancel(context.Background())
	body, _ := xmlrpc.MarshalCall("wait")
	req, _ := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	go func() {
		<-started
		cancel()
	}()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("request not cancelled")
	}
	select {
	case err := <-cancelled:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("handler context: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("handler context not cancelled when the client went away")
	}
}

func TestCallTimeoutAbandonsStuckHandler(t *testing.T) {
	reg := testRegistry(t, nil)
	stuck := make(chan struct{})
	t.Cleanup(func() { close(stuck) })
	reg.MustRegister("stuck", func() bool { <-stuck; return true }, "Ignores its context.")
	cfg := server.DefaultConfig()
	cfg.CallTimeout = 200 * time.Millisecond
	cfg.MaxInFlight = 10
	s, url := newServer(t, reg, cfg)
	start := time.Now()
	f := faultOf(t, call(t, url, "stuck", nil))
	if f.Code != rpc.CodeInternalError || !strings.Contains(f.String, "did not finish within 200ms") {
		t.Fatalf("fault %v", f)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("answered after %v", d)
	}
	if s.InFlight() != 1 {
		t.Fatalf("the abandoned call counts %d in flight, want 1", s.InFlight())
	}
	var ok bool
	if err := call(t, url, "sleep", &ok, 10); err != nil || !ok {
		t.Fatalf("a call within its deadline: %v %v", ok, err)
	}
	f = faultOf(t, call(t, url, "sleep", &ok, 5000))
	if f.Code != 500 || !strings.Contains(f.String, "deadline exceeded") {
		t.Fatalf("a handler returning its context's error: %v", f)
	}
}

func TestBasicAuth(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.BasicAuth = server.Users(map[string]string{"alice": "s3cret"})
	cfg.Realm = "test realm"
	_, url := newServer(t, testRegistry(t, nil), cfg)
	body, _ := xmlrpc.MarshalCall("add", 2, 3)
	for _, tt := range []struct {
		user, pass string
		set        bool
		status     int
	}{{"", "", false, 401}, {"alice", "wrong", true, 401}, {"bob", "s3cret", true, 401}, {"alice", "s3cret", true, 200}} {
		req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
		if tt.set {
			req.SetBasicAuth(tt.user, tt.pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s:%s = %d, want %d", tt.user, tt.pass, resp.StatusCode, tt.status)
		}
		if tt.status == 401 && resp.Header.Get("WWW-Authenticate") != `Basic realm="test realm", charset="UTF-8"` {
			t.Errorf("WWW-Authenticate %q", resp.Header.Get("WWW-Authenticate"))
		}
	}
}

type userKey struct{}

func TestMiddleware(t *testing.T) {
	reg := testRegistry(t, nil)
	reg.MustRegister("whoami", func(ctx context.Context) string { s, _ := ctx.Value(userKey{}).(string); return s }, "")
	var order []string
	var mu sync.Mutex
	note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	cfg := server.DefaultConfig()
	cfg.Middleware = []server.Middleware{
		func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { note("log"); next.ServeHTTP(w, r) })
		},
		func(next http.Handler) http.Handler { // custom authentication by header token
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				note("auth")
				if r.Header.Get("X-Token") != "t0k" {
					http.Error(w, "forbidden", http.StatusForbidden)
					return
				}
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, "carol")))
			})
		},
	}
	_, url := newServer(t, reg, cfg)
	body, _ := xmlrpc.MarshalCall("whoami")
	if status, _, _ := post(t, url, string(body)); status != http.StatusForbidden {
		t.Fatalf("without token: %d", status)
	}
	status, _, resp := post(t, url, string(body), "X-Token", "t0k")
	var who string
	if err := xmlrpc.UnmarshalResponse(resp, &who); status != 200 || err != nil || who != "carol" {
		t.Fatalf("with token: %d %q %v", status, who, err)
	}
	if strings.Join(order, ",") != "log,auth,log,auth" {
		t.Fatalf("middleware order %v", order)
	}
}

func TestVerifyConfig(t *testing.T) {
	mods := map[string]func(c *server.Config){
		"no paths":        func(c *server.Config) { c.Paths = nil },
		"relative path":   func(c *server.Config) { c.Paths = []string{"RPC2"} },
		"star and more":   func(c *server.Config) { c.Paths = []string{"*", "/"} },
		"zero body":       func(c *server.Config) { c.MaxBodySize = 0 },
		"zero depth":      func(c *server.Config) { c.MaxDepth = 0 },
		"no stall":        func(c *server.Config) { c.BodyStallTimeout = 0 },
		"negative call":   func(c *server.Config) { c.CallTimeout = -1 },
		"cap, no retry":   func(c *server.Config) { c.MaxInFlight = 1; c.RetryAfter = 0 },
		"no header limit": func(c *server.Config) { c.ReadHeaderTimeout = 0 },
		"dialect":         func(c *server.Config) { c.Dialect = 9 },
	}
	for name, mod := range mods {
		c := server.DefaultConfig()
		mod(c)
		if _, err := server.New(testRegistry(t, nil), c); !errors.Is(err, server.ErrInvalidConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := server.New(nil, nil); !errors.Is(err, server.ErrInvalidConfig) {
		t.Errorf("nil registry: %v", err)
	}
}

func TestGracefulShutdown(t *testing.T) {
	reg := testRegistry(t, nil)
	cfg := server.DefaultConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	s, err := server.New(reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	addr, served := serveLocal(t, ctx, s)
	var ok atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		var res bool
		if err := call(t, "http://"+addr, "sleep", &res, 300); err == nil && res {
			ok.Store(true)
		}
	}()
	for s.InFlight() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	<-done
	if !ok.Load() {
		t.Fatal("the call in flight was not drained")
	}
	if _, err := http.Post("http://"+addr, "text/xml", strings.NewReader("x")); err == nil {
		t.Fatal("still accepting after shutdown")
	}
}

func TestShutdownTimeout(t *testing.T) {
	reg := testRegistry(t, nil)
	cfg := server.DefaultConfig()
	cfg.ShutdownTimeout = 100 * time.Millisecond
	cfg.Logger = slog.New(slog.DiscardHandler)
	s, err := server.New(reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	addr, served := serveLocal(t, ctx, s)
	go func() {
		body, _ := xmlrpc.MarshalCall("sleep", 3000)
		resp, err := http.Post("http://"+addr, "text/xml", bytes.NewReader(body))
		if err == nil {
			resp.Body.Close()
		}
	}()
	for s.InFlight() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if err := <-served; !errors.Is(err, server.ErrShutdownTimeout) {
		t.Fatalf("Serve: %v", err)
	}
}

func TestStructuredLogs(t *testing.T) {
	var logs syncBuffer
	cfg := server.DefaultConfig()
	cfg.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.MaxBodySize = 300
	_, url := newServer(t, testRegistry(t, nil), cfg)
	var sum int
	if err := call(t, url, "add", &sum, 2, 3); err != nil {
		t.Fatal(err)
	}
	_ = call(t, url, "nope", nil)
	post(t, url, strings.Repeat("x", 400))
	out := logs.String()
	for _, want := range []string{
		`"msg":"server: call","protocol":"xmlrpc","method":"add","fault":0`,
		`"method":"nope","fault":-32601`,
		`"msg":"server: request refused"`, `"status":413`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
}

// TestServeUnixSocket serves on a unix socket, as supervisord-style deployments do.
func TestServeUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "harp.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("unix sockets unavailable: %v", err)
	}
	cfg := server.DefaultConfig()
	cfg.Logger = discardLogger()
	s, err := server.New(testRegistry(t, nil), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}
	defer tr.CloseIdleConnections()
	body, _ := xmlrpc.MarshalCall("add", 20, 22)
	resp, err := (&http.Client{Transport: tr}).Post("http://unix/RPC2", "text/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var sum int
	if err := xmlrpc.UnmarshalResponse(b, &sum); err != nil || sum != 42 {
		t.Fatalf("add over a unix socket = %d, %v", sum, err)
	}
	stop()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}
