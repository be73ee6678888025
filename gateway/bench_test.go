package gateway_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"testing"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/gateway"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// benchBackend is a harp server answering add(a, b) as a typed rpc.Func, as bench/wrk's.
func benchBackend(b *testing.B) string {
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		b.Fatal(err)
	}
	reg.MustRegister("add", rpc.Func2(func(_ context.Context, x, y int) (int, error) { return x + y, nil }), "")
	cfg := server.DefaultConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	srv, err := server.New(reg, cfg)
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	b.Cleanup(hs.Close)
	return hs.URL + "/RPC2"
}

func benchCalls(b *testing.B, url string) {
	c, err := client.New(url, client.WithMaxIdleConnsPerHost(256))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var sum int
		for pb.Next() {
			if err := c.Call(ctx, "add", &sum, 2, 3); err != nil || sum != 5 {
				b.Errorf("add: %d %v", sum, err)
				return
			}
		}
	})
}

// BenchmarkDirect calls a harp backend directly, the baseline of BenchmarkGateway.
func BenchmarkDirect(b *testing.B) { benchCalls(b, benchBackend(b)) }

// BenchmarkGateway calls the same add through a gateway routing by method to two backends.
// Client, gateway and backends share the process, so the difference per call to
// BenchmarkDirect is the gateway's cost (its hop's HTTP client and server included).
func BenchmarkGateway(b *testing.B) {
	cfg, err := gateway.Parse("bench.yaml", []byte(fmt.Sprintf(`
listeners: [{address: "127.0.0.1:1"}]
pools:
  add: {backends: [{url: %q}, {url: %q}], idempotent: [add], health: {method: none}}
routes: [{methods: [add], pool: add}]
`, benchBackend(b), benchBackend(b))))
	if err != nil {
		b.Fatal(err)
	}
	cfg.Listeners[0].Address = "127.0.0.1:0"
	gw, err := gateway.New(cfg, &gateway.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- gw.Serve(ctx, func(a []net.Addr) { addr <- a[0].String() }) }()
	defer func() { cancel(); <-done }()
	select {
	case a := <-addr:
		benchCalls(b, "http://"+a+"/RPC2")
	case err := <-done:
		b.Fatal(err)
	}
}
