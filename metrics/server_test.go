package metrics_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/metrics"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// observedServer serves add, div, echo and block (which waits for release) on a real harp
// server observed by m, with /metrics beside; it returns the RPC URL, the metrics URL and the
// server.
func observedServer(t *testing.T, m *metrics.Server, release <-chan struct{}) (string, string, *server.Server) {
	t.Helper()
	cfg := rpc.DefaultConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	reg, err := rpc.NewRegistry(cfg)
	if err != nil {
		t.Fatal(err)
	}
	reg.MustRegister("add", func(a, b int) int { return a + b }, "")
	reg.MustRegister("div", func(a, b int) (int, error) {
		if b == 0 {
			return 0, errors.New("division by zero")
		}
		return a / b, nil
	}, "")
	reg.MustRegister("echo", func(s string) string { return s }, "")
	reg.MustRegister("block", func() bool { <-release; return true }, "")
	scfg := server.DefaultConfig()
	scfg.Logger = cfg.Logger
	scfg.MaxBodySize = 8 << 10
	scfg.Observer = m
	srv, err := server.New(reg, scfg)
	if err != nil {
		t.Fatal(err)
	}
	m.Attach(srv)
	mux := http.NewServeMux()
	mux.Handle("/RPC2", srv)
	mux.Handle("/metrics", m.Handler())
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return hs.URL + "/RPC2", hs.URL + "/metrics", srv
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// scrapeFor scrapes url until every line of want is in the output, or fails after a while: the
// server observes a call after writing its answer, so a client can see the answer first.
func scrapeFor(t *testing.T, url string, want ...string) string {
	t.Helper()
	var out string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		out = get(t, url)
		missing := false
		for _, w := range want {
			if !strings.Contains(out, w+"\n") {
				missing = true
			}
		}
		if !missing {
			return out
		}
	}
	for _, w := range want {
		if !strings.Contains(out, w+"\n") {
			t.Errorf("metrics lack %s", w)
		}
	}
	t.Fatalf("scraped:\n%s", out)
	return out
}

// value returns the value of the series named exactly series in a scrape.
func value(t *testing.T, out, series string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no series %s in\n%s", series, out)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestServerFamilies(t *testing.T) {
	release := make(chan struct{})
	m := metrics.NewServer(3)
	url, murl, srv := observedServer(t, m, release)
	c, err := client.New(url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	for range 3 {
		if err := c.Call(ctx, "add", nil, 1, 2); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Call(ctx, "div", nil, 1, 0); err == nil {
		t.Fatal("div by zero answered")
	}
	// Unknown names are faults that take no label of their own, however many.
	for i := range 5 {
		if err := c.Call(ctx, fmt.Sprintf("nope%d", i), nil); err == nil {
			t.Fatal("unknown method answered")
		}
	}
	// Refused: a body over MaxBodySize.
	var se *client.StatusError
	if err := c.Call(ctx, "echo", nil, strings.Repeat("x", 10<<10)); !errors.As(err, &se) || se.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body over the limit: %v", err)
	}
	out := scrapeFor(t, murl,
		`harp_server_requests_total{method="add",outcome="ok",protocol="xmlrpc"} 3`,
		`harp_server_requests_total{method="div",outcome="fault",protocol="xmlrpc"} 1`,
		`harp_server_requests_total{method="other",outcome="fault",protocol="xmlrpc"} 5`,
		`harp_server_requests_total{method="other",outcome="refused",protocol="xmlrpc"} 1`,
		`harp_server_request_duration_seconds_count{method="add",protocol="xmlrpc"} 3`,
		`harp_server_in_flight 0`,
		`harp_server_memory_used_bytes 0`,
		`harp_server_refused_conns_total 0`,
	)
	if n := strings.Count(out, "harp_server_requests_total{"); n != 4 {
		t.Errorf("%d request series, want 4\n%s", n, out)
	}
	if !strings.Contains(out, "go_goroutines ") {
		t.Error("no Go runtime collector")
	}

	// A call running: in flight, holding memory.
	done := make(chan error, 1)
	go func() { done <- c.Call(ctx, "block", nil) }()
	for deadline := time.Now().Add(5 * time.Second); srv.InFlight() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	out = scrapeFor(t, murl, `harp_server_in_flight 1`)
	if v := value(t, out, "harp_server_memory_used_bytes"); v <= 0 {
		t.Errorf("memory used during a call: %v", v)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	scrapeFor(t, murl, `harp_server_in_flight 0`, `harp_server_memory_used_bytes 0`,
		`harp_server_requests_total{method="block",outcome="ok",protocol="xmlrpc"} 1`)
}

// The method label is bounded: past the bound, new names share "other".
func TestServerMethodBound(t *testing.T) {
	release := make(chan struct{})
	close(release)
	m := metrics.NewServer(2)
	url, murl, _ := observedServer(t, m, release)
	c, err := client.New(url, client.WithJSONRPC())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	for _, method := range []string{"add", "div", "echo", "block"} {
		var args []any
		switch method {
		case "add", "div":
			args = []any{4, 2}
		case "echo":
			args = []any{"x"}
		}
		if err := c.Call(ctx, method, nil, args...); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
	}
	out := scrapeFor(t, murl,
		`harp_server_requests_total{method="add",outcome="ok",protocol="jsonrpc"} 1`,
		`harp_server_requests_total{method="div",outcome="ok",protocol="jsonrpc"} 1`,
		`harp_server_requests_total{method="other",outcome="ok",protocol="jsonrpc"} 2`,
	)
	if n := strings.Count(out, "harp_server_requests_total{"); n != 3 {
		t.Errorf("%d request series, want 3\n%s", n, out)
	}
}

// The metrics of a plain server: an Observer of its calls (server.Config.Observer), and a
// handler for /metrics.
func ExampleNewServer() {
	m := metrics.NewServer(0)
	m.ObserveCall(server.CallInfo{Protocol: "jsonrpc", Method: "user.get", Calls: 1, Status: 200, Outcome: server.OutcomeOK})
	m.ObserveCall(server.CallInfo{Protocol: "jsonrpc", Method: "user.gte", Code: rpc.CodeMethodNotFound, Calls: 1,
		Status: 200, Outcome: server.OutcomeFault})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "harp_server_requests_total{") {
			fmt.Println(line)
		}
	}
	// Output:
	// harp_server_requests_total{method="other",outcome="fault",protocol="jsonrpc"} 1
	// harp_server_requests_total{method="user.get",outcome="ok",protocol="jsonrpc"} 1
}

// BenchmarkServerObserveCall measures what counting one call costs the request's goroutine.
func BenchmarkServerObserveCall(b *testing.B) {
	m := metrics.NewServer(0)
	info := server.CallInfo{Protocol: "xmlrpc", Method: "add", Calls: 1, Status: 200, Outcome: server.OutcomeOK,
		Duration: 300 * time.Microsecond}
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveCall(info)
	}
}

// discardWriter is a minimal http.ResponseWriter, so that a benchmark measures the handler alone.
type discardWriter struct{ h http.Header }

func (d *discardWriter) SetReadDeadline(time.Time) error { return nil }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkServeHTTPWithMetrics measures an XML-RPC add through a server's handler, without the
// network, with no Observer beside with a metrics.Server: what the metrics cost a call.
func BenchmarkServeHTTPWithMetrics(b *testing.B) {
	for _, withMetrics := range []bool{false, true} {
		name := "none"
		if withMetrics {
			name = "metrics"
		}
		b.Run(name, func(b *testing.B) {
			reg, err := rpc.NewRegistry(nil)
			if err != nil {
				b.Fatal(err)
			}
			reg.MustRegister("add", rpc.Func2(func(_ context.Context, x, y int) (int, error) { return x + y, nil }), "")
			cfg := server.DefaultConfig()
			cfg.Logger = slog.New(slog.DiscardHandler)
			if withMetrics {
				cfg.Observer = metrics.NewServer(0)
			}
			s, err := server.New(reg, cfg)
			if err != nil {
				b.Fatal(err)
			}
			body := []byte(`<?xml version="1.0"?><methodCall><methodName>add</methodName><params>` +
				`<param><value><int>2</int></value></param><param><value><int>3</int></value></param></params></methodCall>`)
			req := httptest.NewRequest("POST", "/RPC2", nil)
			req.Header.Set("Content-Type", "text/xml")
			rd := bytes.NewReader(body)
			w := &discardWriter{h: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				rd.Reset(body)
				req.Body = io.NopCloser(rd)
				req.ContentLength = int64(len(body))
				clear(w.h)
				s.ServeHTTP(w, req)
			}
		})
	}
}
