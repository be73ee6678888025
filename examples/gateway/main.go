// Command gateway runs harp's gateway in front of two pools of harp servers, calls through it
// (a routed call, a fault, a multicall split across the pools, the listMethods union), then
// refuses an invalid reload and prints what the status reports. It serves on free loopback
// ports and exits. gateway.yaml in this directory is a fuller configuration for harp gateway.
//
//	go run ./examples/gateway
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/gateway"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// backend serves a harp server named name on a free port and returns its URL.
func backend(ctx context.Context, name string) string {
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		log.Fatal(err)
	}
	reg.MustRegister(name+".whoami", func() string { return name }, "Names the backend.")
	reg.MustRegister(name+".fail", func() error { return &xmlrpc.Fault{Code: 7, String: name + " says no"} }, "Faults.")
	cfg := server.DefaultConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	srv, err := server.New(reg, cfg)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(ctx, ln)
	return "http://" + ln.Addr().String() + "/RPC2"
}

const config = `
listeners: [{address: "127.0.0.1:0"}]
pools:
  users: {backends: [{url: %q}], idempotent: ["users.whoami"]}
  orders: {backends: [{url: %q}]}
routes:
  - {methods: ["users.*"], pool: users}
  - {methods: ["orders.*"], pool: orders}
`

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, err := gateway.Parse("example.yaml", []byte(fmt.Sprintf(config, backend(ctx, "users"), backend(ctx, "orders"))))
	if err != nil {
		log.Fatal(err)
	}
	gw, err := gateway.New(cfg, &gateway.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go http.Serve(ln, gw.Handler())
	c, err := client.New("http://" + ln.Addr().String() + "/RPC2")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	var who string
	err = c.Call(ctx, "users.whoami", &who)
	fmt.Println("users.whoami:", who, err)
	err = c.Call(ctx, "orders.fail", nil)
	var f *xmlrpc.Fault
	fmt.Println("orders.fail is a fault:", errors.As(err, &f), err)

	var u, o string
	err = c.MultiCall(ctx, rpc.NewCall("orders.whoami", &o), rpc.NewCall("users.whoami", &u))
	fmt.Println("multicall split across pools:", o, u, err)

	var names []string
	err = c.Call(ctx, "system.listMethods", &names)
	fmt.Println("methods:", strings.Join(names, " "), err)

	bad := *cfg
	bad.Routes = append([]gateway.Route{{Pool: "payments"}}, cfg.Routes...)
	fmt.Println("reload:", gw.Apply(&bad))
	fmt.Println("still routing:", c.Call(ctx, "users.whoami", &who) == nil, who)
}
