package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/gateway"
	"github.com/harp-rpc/harp/internal/natstest"
	"github.com/harp-rpc/harp/registry"
)

// announce announces b as an instance of service calc in the registry, with role.
func announce(t *testing.T, js jetstream.JetStream, b *backend, role string) *registry.Announcer {
	t.Helper()
	an, err := registry.Announce(context.Background(), js, registry.Announcement{
		Service: "calc", ID: b.name, URL: b.url, Protocol: "xmlrpc", Weight: 1, Role: role,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { an.Abandon() })
	return an
}

// seen calls whoami through the gateway n times and returns who answered how often.
func seen(t *testing.T, url string, n int) map[string]int {
	t.Helper()
	c := newClient(t, url)
	got := map[string]int{}
	for range n {
		var who string
		if err := c.Call(context.Background(), "whoami", &who); err != nil {
			var se *client.StatusError
			if errors.As(err, &se) {
				t.Fatalf("whoami through the gateway: %s", se.Body)
			}
			t.Fatalf("whoami through the gateway: %v", err)
		}
		got[who]++
	}
	return got
}

// within calls seen until ok holds, for at most d.
func within(t *testing.T, url string, d time.Duration, ok func(map[string]int) bool) map[string]int {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		got := seen(t, url, 30)
		if ok(got) || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPoolFromRegistry: a pool whose backends come from the registry follows membership: the
// announced instances share the calls, one that joins takes calls within a beat, one that
// leaves takes none, and master_only routes to the master alone.
func TestPoolFromRegistry(t *testing.T) {
	s := natstest.Start(t)
	js, _ := natstest.JetStreamOf(t, s)
	a, b, c := newBackend(t, "a"), newBackend(t, "b"), newBackend(t, "c")
	announce(t, js, a, "master")
	leaving := announce(t, js, b, "standby")
	yaml := fmt.Sprintf(`
listeners: [{address: LISTEN}]
pools:
  calc:
    registry: {nats: %q, service: calc}
    slow_start: 0s
  master:
    registry: {nats: %q, service: calc, master_only: true}
routes:
  - {methods: ["whoami"], paths: ["/RPC2"], pool: calc}
  - {paths: ["/master"], pool: master}
`, s.ClientURL(), s.ClientURL())
	r := startGateway(t, yaml, nil)
	if got := seen(t, r.url, 40); got["a"] == 0 || got["b"] == 0 || len(got) != 2 {
		t.Fatalf("two announced instances: calls went to %v", got)
	}
	start := time.Now()
	announce(t, js, c, "standby")
	if got := within(t, r.url, 5*time.Second, func(g map[string]int) bool { return g["c"] > 0 }); got["c"] == 0 {
		t.Fatalf("a joining instance took no calls within 5 s: %v", got)
	}
	t.Logf("a joining instance took calls after %v", time.Since(start).Round(time.Millisecond))
	if err := leaving.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := within(t, r.url, 5*time.Second, func(g map[string]int) bool { return g["b"] == 0 }); got["b"] != 0 {
		t.Fatalf("a departed instance still took calls: %v", got)
	}
	master := strings.TrimSuffix(r.url, "/RPC2") + "/master"
	if got := seen(t, master, 20); got["a"] != 20 {
		t.Fatalf("master_only: calls went to %v, want all to a", got)
	}
}

// TestRegistryPoolConfig: a pool takes backends or a registry, and a registry needs a NATS URL
// and a service.
func TestRegistryPoolConfig(t *testing.T) {
	for _, c := range []struct{ pool, want string }{
		{`{registry: {nats: "nats://127.0.0.1:4222", service: calc}, backends: [{url: "http://127.0.0.1:1/RPC2"}]}`, "pools.p.registry: want backends or a registry, not both"},
		{`{registry: {nats: "http://127.0.0.1:4222", service: calc}}`, "pools.p.registry.nats: want a NATS URL"},
		{`{registry: {nats: "nats://127.0.0.1:4222"}}`, "pools.p.registry.service: want the name"},
		{`{registry: {nats: "nats://127.0.0.1:4222", service: calc, servise: x}}`, `unknown field "servise"`},
	} {
		_, err := gateway.Parse("gw.yaml", []byte("listeners: [{address: 127.0.0.1:0}]\npools:\n  p: "+c.pool+"\nroutes: [{pool: p}]\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.pool, err, c.want)
		}
	}
}
