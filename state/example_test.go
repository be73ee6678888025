package state_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/natsd"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/state"
)

// A state service on an embedded NATS server, called over XML-RPC; the retried incr with the
// same id is applied once.
func Example() {
	dir, _ := os.MkdirTemp("", "state")
	defer os.RemoveAll(dir)
	ncfg := natsd.DefaultConfig()
	ncfg.Port, ncfg.StoreDir = 0, dir
	ns, err := natsd.Start(context.Background(), ncfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ns.Shutdown(context.Background())
	nc, _ := nats.Connect(ns.ClientURL())
	defer nc.Close()

	ctx := context.Background()
	svc, err := state.New(ctx, nc, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer svc.Close(ctx)
	for !svc.Election().IsMaster() {
		time.Sleep(time.Millisecond)
	}
	reg, _ := rpc.NewRegistry(nil)
	svc.Register(reg, "")
	srv, _ := server.New(reg, nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()

	c, _ := client.New(ts.URL + "/RPC2")
	var n int64
	c.Call(ctx, "incr", &n, "hits", 1, map[string]any{"id": "req-1"})
	c.Call(ctx, "incr", &n, "hits", 1, map[string]any{"id": "req-1"}) // a retry
	fmt.Println("hits:", n)
	c.Call(ctx, "set", nil, "greeting", "hello")
	var s string
	c.Call(ctx, "get", &s, "greeting")
	fmt.Println("greeting:", s)
	// Output:
	// hits: 1
	// greeting: hello
}
