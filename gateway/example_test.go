package gateway_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/gateway"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// Every problem of a configuration, each with its file, line and column.
func ExampleParse() {
	_, err := gateway.Parse("gw.yaml", []byte(`
listeners: [{address: "127.0.0.1:8080"}]
pools:
  users:
    backends: [{url: "http://10.0.0.1:8000/RPC2"}]
    max_inflight: 10
routes:
  - {methods: ["user.*"], pool: user}
`))
	fmt.Println(err)
	// Output:
	// gateway: gw.yaml:6:5: pools.users.max_inflight: unknown field "max_inflight"; want one of attempt_timeout, backends, breaker, health, hedge, idempotent, max_in_flight, mode, multicall, outlier, policy, protocol, registry, retry, retry_after, slow_start
}

// A gateway in front of a harp server, routing user.* to it, mounted as an http.Handler.
func ExampleNew() {
	reg, _ := rpc.NewRegistry(nil)
	reg.MustRegister("user.count", func() int { return 42 }, "")
	scfg := server.DefaultConfig()
	scfg.Logger = slog.New(slog.DiscardHandler)
	srv, _ := server.New(reg, scfg)
	backend := httptest.NewServer(srv)
	defer backend.Close()

	cfg, err := gateway.Parse("gw.yaml", []byte(fmt.Sprintf(`
listeners: [{address: "127.0.0.1:8080"}]
pools:
  users: {backends: [{url: %q}], idempotent: ["user.count"]}
routes:
  - {methods: ["user.*"], pool: users}
`, backend.URL+"/RPC2")))
	if err != nil {
		fmt.Println(err)
		return
	}
	gw, err := gateway.New(cfg, &gateway.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer gw.Close()
	front := httptest.NewServer(gw.Handler())
	defer front.Close()

	c, _ := client.New(front.URL + "/RPC2")
	defer c.Close()
	var n int
	err = c.Call(context.Background(), "user.count", &n)
	fmt.Println(n, err)
	err = c.Call(context.Background(), "order.list", nil)
	fmt.Println(err)
	// Output:
	// 42 <nil>
	// xmlrpc: fault -32601: gateway: no route for method "order.list"
}
