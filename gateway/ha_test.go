package gateway_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/gateway"
)

// Gateways hold no shared state, so several run side by side from one configuration. Two of
// them, callers on a harp cluster client over both, one gateway killed under load (its listener
// and every connection closed at once, as SIGKILL leaves its sockets): no idempotent call fails.
func TestTwoGatewaysOneKilled(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	yaml := fmt.Sprintf(`
listeners: [{address: "127.0.0.1:1"}]
pools:
  p: {backends: [{url: %q}, {url: %q}], idempotent: [add], health: {method: none}}
routes: [{pool: p}]
`, a.url, b.url)
	var fronts []*httptest.Server
	for range 2 {
		cfg, err := gateway.Parse("ha.yaml", []byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		gw, err := gateway.New(cfg, &gateway.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { gw.Close() })
		hs := httptest.NewServer(gw.Handler())
		t.Cleanup(hs.Close)
		fronts = append(fronts, hs)
	}
	ccfg := cluster.DefaultConfig()
	ccfg.Methods = map[string]cluster.MethodConfig{"add": {Idempotent: true}}
	ccfg.Health.Interval = 0
	cl, err := cluster.New([]cluster.Endpoint{{URL: fronts[0].URL + "/RPC2"}, {URL: fronts[1].URL + "/RPC2"}},
		func(ep cluster.Endpoint) (cluster.Caller, error) { return client.New(ep.URL) }, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(1500 * time.Millisecond)
	for w := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				var sum int
				err := cl.Call(ctx, "add", &sum, w, i)
				cancel()
				if err != nil || sum != w+i {
					if failed.Add(1) <= 3 {
						t.Errorf("add: %d %v", sum, err)
					}
					continue
				}
				ok.Add(1)
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	fronts[0].Listener.Close()
	fronts[0].CloseClientConnections()
	wg.Wait()
	t.Logf("%d calls ok, %d failed, one gateway killed after 0.5 s", ok.Load(), failed.Load())
}
