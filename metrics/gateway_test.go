package metrics_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/gateway"
	"github.com/harp-rpc/harp/metrics"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// harpBackend starts a real harp server with add(a, b).
func harpBackend(t *testing.T) string {
	t.Helper()
	cfg := rpc.DefaultConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	reg, err := rpc.NewRegistry(cfg)
	if err != nil {
		t.Fatal(err)
	}
	reg.MustRegister("add", func(a, b int) int { return a + b }, "")
	scfg := server.DefaultConfig()
	scfg.Logger = cfg.Logger
	srv, err := server.New(reg, scfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs.URL + "/RPC2"
}

// newGateway serves a gateway with metrics through httptest servers: calls and admin.
func newGateway(t *testing.T, m *metrics.Gateway) (calls, admin string) {
	t.Helper()
	cfg, err := gateway.Parse("m.yaml", []byte(fmt.Sprintf(`
listeners: [{address: "127.0.0.1:1"}]
pools:
  p: {backends: [{url: %q}], health: {method: none}}
routes: [{name: all, pool: p}]
`, harpBackend(t))))
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(cfg, &gateway.Options{Observer: m, Logger: slog.New(slog.DiscardHandler),
		Admin: map[string]http.Handler{"/metrics": m.Handler()}})
	if err != nil {
		t.Fatal(err)
	}
	m.Attach(gw)
	t.Cleanup(func() { gw.Close() })
	cs, as := httptest.NewServer(gw.Handler()), httptest.NewServer(gw.AdminHandler())
	t.Cleanup(cs.Close)
	t.Cleanup(as.Close)
	return cs.URL + "/RPC2", as.URL
}

func scrape(t *testing.T, admin string) string {
	t.Helper()
	resp, err := http.Get(admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestGatewayFamilies(t *testing.T) {
	m := metrics.NewGateway(3)
	calls, admin := newGateway(t, m)
	c, err := client.New(calls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	for range 4 {
		if err := c.Call(ctx, "add", nil, 1, 2); err != nil {
			t.Fatal(err)
		}
	}
	// Unknown names beyond the bound, answered by the backend with method-not-found faults.
	for i := range 10 {
		c.Call(ctx, fmt.Sprintf("nope%d", i), nil)
	}
	out := scrape(t, admin)
	for _, want := range []string{
		`harp_gateway_requests_total{method="add",outcome="ok",pool="p",route="all"} 4`,
		`harp_gateway_requests_total{method="other",outcome="fault",pool="p",route="all"} 8`,
		`harp_gateway_request_duration_seconds_count{method="add",pool="p",route="all"} 4`,
		`harp_gateway_pool_calls_total{pool="p"} 14`,
		`harp_gateway_backend_up{backend="http://127.0.0.1:`,
		`harp_gateway_backend_state{backend=`,
		`harp_gateway_backend_availability_ratio{`,
		`harp_gateway_backend_mtbf_seconds{`,
		`harp_gateway_backend_latency_seconds{backend=`,
		`harp_gateway_reloads_total{result="ok"} 0`,
	} {
		if !strings.Contains(out, want[:min(len(want), 60)]) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Per backend, its attempts by outcome: every outcome has its series, zeros included. The
	// gateway forwards answers whole, so at the backend a fault answer is a success (it answered).
	for _, want := range []string{`outcome="success",pool="p"} 14`, `outcome="fault",pool="p"} 0`,
		`outcome="not_sent",pool="p"} 0`, `outcome="timeout",pool="p"} 0`} {
		if !containsLine(out, `harp_gateway_backend_attempts_total{backend="http://127.0.0.1:`, want) {
			t.Errorf("metrics lack harp_gateway_backend_attempts_total{...%s", want)
		}
	}
	if n := strings.Count(out, "harp_gateway_requests_total{"); n != 4 {
		t.Errorf("%d request series, want 4 (add, nope0, nope1, other): the method label is bounded\n%s", n, out)
	}
}

// containsLine reports whether a line of out starts with prefix and ends with suffix.
func containsLine(out, prefix, suffix string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) && strings.HasSuffix(l, suffix) {
			return true
		}
	}
	return false
}

// BenchmarkGatewayObserveCall measures what counting one call costs the request's goroutine.
func BenchmarkGatewayObserveCall(b *testing.B) {
	m := metrics.NewGateway(0)
	info := &gateway.CallInfo{Route: "all", Pool: "p", Method: "add", Protocol: "xmlrpc",
		Outcome: gateway.OutcomeOK, Duration: 300 * time.Microsecond}
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveCall(info)
	}
}
