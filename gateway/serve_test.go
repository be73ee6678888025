package gateway_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
)

// TestServeAnswersAsHandler sends the same requests to a gateway's Serve, whose listeners take
// the server package's fast connections, and to its Handler under net/http's own server, and
// wants the same answers: status, headers (but Date and the request id's value) and body.
func TestServeAnswersAsHandler(t *testing.T) {
	b := newBackend(t, "a")
	r := startGateway(t, `
listeners: [{address: "LISTEN"}]
limits: {max_body_size: 2048}
pools:
  p: {backends: [{url: "`+b.url+`"}], idempotent: [add]}
routes:
  - {methods: [add, fail, whoami], pool: p}
`, nil)
	plain := httptest.NewServer(r.gw.Handler())
	defer plain.Close()
	xml := func(m, params string) string {
		return `<?xml version="1.0"?><methodCall><methodName>` + m + `</methodName><params>` + params + `</params></methodCall>`
	}
	two := `<param><value><int>2</int></value></param><param><value><int>3</int></value></param>`
	cases := []struct{ name, raw string }{
		{"xml add", rawPost("/RPC2", "text/xml", xml("add", two))},
		{"xml fault", rawPost("/RPC2", "text/xml", xml("fail", ""))},
		{"no route", rawPost("/RPC2", "text/xml", xml("nope", ""))},
		{"malformed", rawPost("/RPC2", "text/xml", `<methodCall><methodName>add`)},
		{"json add", rawPost("/RPC2", "application/json", `{"jsonrpc":"2.0","method":"add","params":[2,3],"id":7}`)},
		{"json batch", rawPost("/RPC2", "application/json", `[{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1},{"jsonrpc":"2.0","method":"fail","id":2}]`)},
		{"json notification", rawPost("/RPC2", "application/json", `{"jsonrpc":"2.0","method":"add","params":[2,3]}`)},
		{"unknown type", rawPost("/RPC2", "image/png", "x")},
		{"unknown encoding", rawPost("/RPC2", "text/xml", xml("add", two), "Content-Encoding: br")},
		{"too large", rawPost("/RPC2", "text/xml", xml("add", strings.Repeat(" ", 2100)))},
		{"get", "GET /RPC2 HTTP/1.1\r\nHost: a\r\n\r\n"},
		{"client closes", rawPost("/RPC2", "text/xml", xml("whoami", ""), "Connection: close")},
		{"pipelined", rawPost("/RPC2", "text/xml", xml("add", two)) + rawPost("/RPC2", "application/json", `{"jsonrpc":"2.0","method":"whoami","id":1}`)},
	}
	for _, tc := range cases {
		n := strings.Count(tc.raw, " HTTP/1.1\r\n")
		fast := rawExchange(t, strings.TrimSuffix(strings.TrimPrefix(r.url, "http://"), "/RPC2"), tc.raw, n)
		slow := rawExchange(t, strings.TrimPrefix(plain.URL, "http://"), tc.raw, n)
		if fast != slow {
			t.Errorf("%s: answers differ\nServe:\n%s\nnet/http:\n%s", tc.name, fast, slow)
		}
		if !strings.Contains(slow, "HTTP ") {
			t.Errorf("%s: no answer: %q", tc.name, slow)
		}
	}
}

func rawPost(path, ct, body string, extra ...string) string {
	h := "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + ct + "\r\n"
	for _, e := range extra {
		h += e + "\r\n"
	}
	return h + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// rawExchange sends raw, n requests, to addr on a new connection and describes the answers
// that come back (at most n, until the connection closes): status, headers but Date and
// X-Request-Id's value (sorted), body. The connection is not half-closed: under net/http, that
// would cancel the calls in flight.
func rawExchange(t *testing.T, addr, raw string, n int) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	var sb strings.Builder
	for range n {
		if _, err := br.Peek(1); err != nil {
			return sb.String()
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			rest, _ := io.ReadAll(br)
			return sb.String() + fmt.Sprintf("unparsed: %v %q", err, rest)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Header.Del("Date")
		if resp.Header.Get("X-Request-Id") != "" {
			resp.Header.Set("X-Request-Id", "set")
		}
		fmt.Fprintf(&sb, "HTTP %d\n", resp.StatusCode)
		_ = resp.Header.Write(&sb) // sorted
		fmt.Fprintf(&sb, "length %d\n\n%s\n----\n", resp.ContentLength, body)
	}
	return sb.String()
}

// TestServeDrainsOnShutdown ends Serve's context while a call is in flight on a kept-alive
// connection: the listener stops taking connections, the call still gets its answer, and Serve
// returns once it has.
func TestServeDrainsOnShutdown(t *testing.T) {
	b := newBackend(t, "a")
	r := startGateway(t, `
listeners: [{address: "LISTEN"}]
limits: {shutdown_timeout: 10s}
pools:
  p: {backends: [{url: "`+b.url+`"}]}
routes:
  - {pool: p}
`, nil)
	c, err := client.New(r.url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	answer := make(chan error, 1)
	go func() {
		var who string
		err := c.Call(context.Background(), "slow", &who)
		if err == nil && who != "a" {
			err = fmt.Errorf("slow answered %q", who)
		}
		answer <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); b.calls.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the call never reached the backend")
		}
	}
	stopped := make(chan struct{})
	go func() { r.stop(); close(stopped) }()
	addr := strings.TrimSuffix(strings.TrimPrefix(r.url, "http://"), "/RPC2")
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break // the listener is closed
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still takes connections while shutting down")
		}
	}
	select {
	case <-stopped:
		t.Fatal("Serve returned with a call in flight")
	case err := <-answer:
		t.Fatalf("the call ended before its answer: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(b.gate)
	if err := <-answer; err != nil {
		t.Fatalf("the call in flight: %v", err)
	}
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the last call")
	}
}
