package gateway_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/gateway"
)

const goodConfig = `
listeners:
  - address: 127.0.0.1:8080
admin:
  address: 127.0.0.1:9090
pools:
  users:
    backends:
      - url: http://127.0.0.1:8001/RPC2
      - url: unix:///run/app.sock
        weight: 2
    idempotent: ["user.get*", "system.*"]
    max_in_flight: 64
    health:
      interval: 500ms
routes:
  - name: users
    methods: ["user.*"]
    pool: users
  - pool: users
`

func TestParseDefaults(t *testing.T) {
	cfg, err := gateway.Parse("gw.yaml", []byte(goodConfig))
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Pools["users"]
	def := gateway.DefaultPool()
	if p.MaxInFlight != 64 || p.Health.Interval != 500*time.Millisecond || p.Health.Fall != def.Health.Fall ||
		p.Policy != def.Policy || p.Backends[1].Weight != 2 || p.Retry != def.Retry {
		t.Errorf("pool: %+v", p)
	}
	if cfg.Limits != gateway.DefaultLimits() {
		t.Errorf("limits: %+v, want the defaults", cfg.Limits)
	}
	if len(cfg.Routes) != 2 || cfg.Routes[0].Methods[0] != "user.*" {
		t.Errorf("routes: %+v", cfg.Routes)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"unknown field", `
listeners: [{address: "127.0.0.1:1"}]
pools:
  a:
    backends: [{url: "http://h:1/"}]
    polcy: round_robin
routes: [{pool: a}]
`, []string{"gw.yaml:6:5: pools.a.polcy: unknown field \"polcy\"; want one of", "policy"}},
		{"wrong type", `
listeners: [{address: "127.0.0.1:1"}]
pools:
  a:
    backends: [{url: "http://h:1/", weight: heavy}]
routes: [{pool: a}]
`, []string{`gw.yaml:5:45: pools.a.backends[0].weight: want an integer, got "heavy"`}},
		{"bad duration", `
listeners: [{address: "127.0.0.1:1"}]
pools:
  a:
    backends: [{url: "http://h:1/"}]
    retry_after: 5
routes: [{pool: a}]
`, []string{`gw.yaml:6:18: pools.a.retry_after: want a duration such as 250ms or 1m30s, got "5"`}},
		{"semantic", `
listeners: [{address: "nowhere"}]
pools:
  a:
    backends: [{url: "ftp://h/"}]
    policy: fastest
    max_in_flight: 0
routes:
  - pool: b
    methods: ["bad name"]
    protocol: soap
`, []string{
			`gw.yaml:2:23: listeners[0].address: want host:port or unix:/path/to.sock, got "nowhere"`,
			`gw.yaml:5:22: pools.a.backends[0].url: want http://, https:// or unix:// URL, got "ftp://h/"`,
			`gw.yaml:6:13: pools.a.policy: unknown policy "fastest"; want one of`,
			`gw.yaml:7:20: pools.a.max_in_flight: want a positive limit`,
			`gw.yaml:9:11: routes[0].pool: no pool "b"; want one of a`,
			`gw.yaml:10:15: routes[0].methods[0]: "bad name" holds ' '`,
			`gw.yaml:11:15: routes[0].protocol: want xmlrpc, jsonrpc or nothing for both, got "soap"`,
		}},
		{"syntax", "listeners: [\n  - a: b\n", []string{"gw.yaml:"}},
		{"empty", "", []string{"empty configuration"}},
		{"limits off", `
listeners: [{address: "127.0.0.1:1"}]
limits: {max_body_size: 0}
pools: {a: {backends: [{url: "http://h:1/"}]}}
routes: [{pool: a}]
`, []string{`gw.yaml:3:25: limits.max_body_size: want a positive value`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gateway.Parse("gw.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, gateway.ErrInvalidConfig) {
				t.Errorf("%v: not ErrInvalidConfig", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nlacks %q", err, w)
				}
			}
			var ces gateway.ConfigErrors
			if !errors.As(err, &ces) || len(ces) == 0 {
				t.Errorf("want ConfigErrors, got %T %v", err, err)
			}
		})
	}
}
