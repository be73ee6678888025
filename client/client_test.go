package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/xmlrpc"
)

func newClient(t testing.TB, url string, opts ...Option) *Client {
	t.Helper()
	c, err := New(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestCallDecodesIntoReply(t *testing.T) {
	ts := newTestServer(t)
	c := newClient(t, ts.URL)
	var sum int
	if err := c.Call(context.Background(), "add", &sum, 2, 3); err != nil {
		t.Fatal(err)
	}
	if sum != 5 {
		t.Fatalf("add(2,3) = %d", sum)
	}
	in := map[string]any{"s": "héllo <&>", "n": 7, "l": []any{1.5, true, nil}, "b": []byte{0, 1, 2}}
	var out map[string]any
	if err := c.Call(context.Background(), "echo", &out, in); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(out) != fmt.Sprint(in) {
		t.Fatalf("echo: got %v, want %v", out, in)
	}
}

func TestCallNilReplyDiscards(t *testing.T) {
	ts := newTestServer(t)
	c := newClient(t, ts.URL)
	if err := c.Call(context.Background(), "add", nil, 1, 1); err != nil {
		t.Fatal(err)
	}
	if ts.calls.Load() != 1 {
		t.Fatalf("server saw %d calls", ts.calls.Load())
	}
}

func TestDefaultPathIsRPC2(t *testing.T) {
	ts := newTestServer(t)
	for url, want := range map[string]string{ts.URL: "/RPC2", ts.URL + "/": "/", ts.URL + "/api/x": "/api/x"} {
		var got string
		if err := newClient(t, url).Call(context.Background(), "path", &got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: request path %q, want %q", url, got, want)
		}
	}
	var got string
	if err := newClient(t, ts.URL+"/x", WithPath("/other")).Call(context.Background(), "path", &got); err != nil || got != "/other" {
		t.Errorf("WithPath: %q, %v", got, err)
	}
}

func TestFaultIsNotATransportError(t *testing.T) {
	ts := newTestServer(t)
	c := newClient(t, ts.URL)
	err := c.Call(context.Background(), "fault", nil, 42, "the answer")
	var f *xmlrpc.Fault
	if !errors.As(err, &f) || f.Code != 42 || f.String != "the answer" {
		t.Fatalf("got %v, want fault 42", err)
	}
	var te *TransportError
	var se *StatusError
	var re *ResponseError
	if errors.As(err, &te) || errors.As(err, &se) || errors.As(err, &re) {
		t.Fatalf("fault %v also reads as a transport error", err)
	}
	err = c.Call(context.Background(), "no.such.method", nil)
	if !errors.As(err, &f) || f.Code != xmlrpc.CodeMethodNotFound {
		t.Fatalf("got %v, want method not found", err)
	}
}

// TestThousandGoroutinesShareOneClient proves the client is safe for concurrent use: every
// goroutine gets its own correct answer, with the race detector watching.
func TestThousandGoroutinesShareOneClient(t *testing.T) {
	ts := newTestServer(t)
	// 1,000 goroutines over at most 128 connections (so a 1,024 file descriptor limit holds):
	// most calls wait for a connection another goroutine releases.
	c := newClient(t, ts.URL, WithMaxConnsPerHost(128))
	const n = 1000
	var wg sync.WaitGroup
	var failed atomic.Int64
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var got string
			want := strings.Repeat(fmt.Sprint(i, ","), i%50+1)
			if err := c.Call(ctx, "repeat", &got, fmt.Sprint(i, ","), i%50+1); err != nil || got != want {
				failed.Add(1)
				errs <- fmt.Errorf("call %d: got %q, %v", i, got, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if ts.calls.Load() != n || failed.Load() != 0 {
		t.Fatalf("server ran %d calls, %d failed", ts.calls.Load(), failed.Load())
	}
}

func TestConnectionsAreReused(t *testing.T) {
	var conns atomic.Int64
	ts := newTestServer(t, func(s *http.Server) {
		s.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}
	})
	c := newClient(t, ts.URL)
	for range 50 {
		if err := c.Call(context.Background(), "add", nil, 1, 2); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("50 sequential calls opened %d connections, want 1", n)
	}
}

func TestHeadersUserAgentAndBasicAuth(t *testing.T) {
	ts := newTestServer(t)
	u := strings.Replace(ts.URL, "http://", "http://al%40ice:p%3Ass@", 1)
	c := newClient(t, u, WithHeader("X-Trace", "abc"), WithUserAgent("probe/2"))
	get := func(name string) string {
		var v string
		if err := c.Call(context.Background(), "header", &v, name); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := get("X-Trace"); got != "abc" {
		t.Errorf("X-Trace = %q", got)
	}
	if got := get("User-Agent"); got != "probe/2" {
		t.Errorf("User-Agent = %q", got)
	}
	if got := get("Content-Type"); got != "text/xml" {
		t.Errorf("Content-Type = %q", got)
	}
	user, pass, ok := ts.lastReq.Load().BasicAuth()
	if !ok || user != "al@ice" || pass != "p:ss" {
		t.Errorf("basic auth = %q %q %v, want the URL's unescaped user info", user, pass, ok)
	}
	if strings.Contains(c.URL(), "p%3Ass") || strings.Contains(c.URL(), "p:ss") {
		t.Errorf("URL() leaks the password: %s", c.URL())
	}
	c2 := newClient(t, u, WithBasicAuth("bob", "pw"))
	if err := c2.Call(context.Background(), "add", nil, 1, 1); err != nil {
		t.Fatal(err)
	}
	if user, pass, _ := ts.lastReq.Load().BasicAuth(); user != "bob" || pass != "pw" {
		t.Errorf("WithBasicAuth sent %q %q", user, pass)
	}
	if _, err := New(ts.URL, WithHeader("Content-Type", "text/plain")); err == nil {
		t.Error("WithHeader(Content-Type) accepted")
	}
}

func TestGzipResponsesAndRequests(t *testing.T) {
	ts := newTestServer(t)
	c := newClient(t, ts.URL, WithGzipRequests(100))
	var got string
	if err := c.Call(context.Background(), "repeat", &got, "gzip!", 2000); err != nil {
		t.Fatal(err)
	}
	if got != strings.Repeat("gzip!", 2000) {
		t.Fatalf("got %d bytes", len(got))
	}
	big := strings.Repeat("x", 5000)
	if err := c.Call(context.Background(), "echo", &got, big); err != nil || got != big {
		t.Fatalf("gzip request: %d bytes, %v", len(got), err)
	}
	if ce := ts.lastReq.Load().Header.Get("Content-Encoding"); ce != "gzip" {
		t.Fatalf("request Content-Encoding %q, want gzip", ce)
	}
	// A compressed response may not decompress past the size limit.
	small := newClient(t, ts.URL, WithDecodeOptions(xmlrpc.DecodeOptions{MaxSize: 4096}))
	err := small.Call(context.Background(), "repeat", &got, "a", 100000)
	var re *ResponseError
	if !errors.As(err, &re) || !errors.Is(err, ErrResponseTooLarge) {
		t.Fatalf("got %v, want ErrResponseTooLarge", err)
	}
}

func TestContextDeadlineAndCancel(t *testing.T) {
	ts := newTestServer(t)
	c := newClient(t, ts.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Call(ctx, "sleep", nil, 5000)
	if time.Since(start) > 3*time.Second {
		t.Fatalf("call outlived its deadline: %v", time.Since(start))
	}
	var te *TransportError
	if !errors.As(err, &te) || !te.Timeout() || !te.Sent || te.NotSent() {
		t.Fatalf("got %#v, want a sent timeout", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%v does not wrap context.DeadlineExceeded", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	err = c.Call(ctx, "add", nil, 1, 2)
	if !errors.As(err, &te) || te.Timeout() || !te.NotSent() || !errors.Is(err, context.Canceled) {
		t.Fatalf("pre-cancelled call: got %v", err)
	}

	c2 := newClient(t, ts.URL, WithTimeout(50*time.Millisecond))
	if err := c2.Call(context.Background(), "sleep", nil, 5000); !errors.As(err, &te) || !te.Timeout() {
		t.Fatalf("WithTimeout: got %v", err)
	}
}

// TestChainedDeadline shows that a handler calling another server with its own ctx bounds the
// chain: when the first caller gives up, the second server's handler is cancelled.
func TestChainedDeadline(t *testing.T) {
	back := newTestServer(t)
	backClient := newClient(t, back.URL)
	cancelled := make(chan time.Duration, 1)
	var frontHandler http.HandlerFunc
	front := newTestServer(t, func(s *http.Server) {
		s.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			frontHandler(w, r)
		})
	})
	frontHandler = func(w http.ResponseWriter, r *http.Request) {
		// Like any server, read the request before working on it; from then on net/http
		// cancels r.Context() when the caller hangs up.
		io.Copy(io.Discard, r.Body)
		start := time.Now()
		// The front handler calls the back server's sleep(10s) with its request context.
		err := backClient.Call(r.Context(), "sleep", nil, 10000)
		cancelled <- time.Since(start)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
		}
	}
	c := newClient(t, front.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := c.Call(ctx, "anything", nil); err == nil {
		t.Fatal("chained call succeeded past its deadline")
	}
	select {
	case d := <-cancelled:
		if d > 5*time.Second {
			t.Fatalf("front handler's call to back ran %v", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("front handler's call to back still running 5s after the caller's deadline")
	}
}

func TestCloseRefusesNewCalls(t *testing.T) {
	ts := newTestServer(t)
	c := newClient(t, ts.URL)
	if err := c.Call(context.Background(), "add", nil, 1, 2); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.Close()
	err := c.Call(context.Background(), "add", nil, 1, 2)
	var te *TransportError
	if !errors.Is(err, ErrClosed) || !errors.As(err, &te) || !te.NotSent() {
		t.Fatalf("call after Close: %v", err)
	}
}

func TestEncodingErrorSendsNothing(t *testing.T) {
	ts := newTestServer(t)
	c := newClient(t, ts.URL)
	err := c.Call(context.Background(), "echo", nil, make(chan int))
	var ut *xmlrpc.UnsupportedTypeError
	if !errors.As(err, &ut) {
		t.Fatalf("got %v, want UnsupportedTypeError", err)
	}
	if ts.calls.Load() != 0 {
		t.Fatal("an unencodable call reached the server")
	}
	var inv *xmlrpc.InvalidUnmarshalError
	if err := c.Call(context.Background(), "add", 5, 1, 2); !errors.As(err, &inv) || !strings.Contains(err.Error(), "non-pointer") {
		t.Fatalf("non-pointer reply: %v", err)
	}
	if ts.calls.Load() != 0 {
		t.Fatal("a call with an unusable reply reached the server")
	}
}

func TestNewRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"ftp://x/", "http://", "unix://relative.sock", "unix:", "://x", "localhost:8000"} {
		if _, err := New(u); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
}

func TestCallRawReturnsTheDocument(t *testing.T) {
	ts := newTestServer(t)
	c := newClient(t, ts.URL)
	doc, err := c.CallRaw(context.Background(), "fault", 3, "three")
	if err != nil {
		t.Fatal(err)
	}
	var f *xmlrpc.Fault
	if err := xmlrpc.UnmarshalResponse(doc, nil); !errors.As(err, &f) || f.Code != 3 {
		t.Fatalf("raw document %s decodes to %v", doc, err)
	}
}

func TestWithProxy(t *testing.T) {
	ts := newTestServer(t)
	var proxied atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A forward proxy receives the absolute URL and passes the request on.
		proxied.Add(1)
		r.RequestURI = ""
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	defer proxy.Close()
	proxyURL, _ := url.Parse(proxy.URL)
	c := newClient(t, ts.URL, WithProxy(http.ProxyURL(proxyURL)))
	var sum int
	if err := c.Call(context.Background(), "add", &sum, 20, 22); err != nil || sum != 42 {
		t.Fatalf("through proxy: %d, %v", sum, err)
	}
	if proxied.Load() != 1 {
		t.Fatalf("proxy saw %d requests", proxied.Load())
	}
}
