package natsrpc_test

import (
	"context"
	"fmt"
	"os"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/broker/natsrpc"
	"github.com/harp-rpc/harp/natsd"
	"github.com/harp-rpc/harp/rpc"
)

// A registry served on a topic of an embedded NATS server, called, cast to and fanned out to.
func Example() {
	dir, _ := os.MkdirTemp("", "natsrpc")
	defer os.RemoveAll(dir)
	ncfg := natsd.DefaultConfig()
	ncfg.Port, ncfg.StoreDir = 0, dir
	ns, err := natsd.Start(context.Background(), ncfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ns.Shutdown(context.Background())

	cfg := natsrpc.DefaultConfig()
	cfg.URL = ns.ClientURL()
	tr, err := natsrpc.Dial(context.Background(), cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Close()

	reg, _ := rpc.NewRegistry(nil)
	reg.MustRegister("add", func(a, b int) int { return a + b }, "")
	srv, _ := broker.NewServer(tr, reg, &broker.ServerConfig{Target: broker.Target{Topic: "calc", Server: "s1"}, MaxInFlight: 8})
	srv.Start(context.Background())
	defer srv.Stop(context.Background())

	c, _ := broker.NewClient(tr, &broker.ClientConfig{Target: broker.Target{Topic: "calc"}})
	var sum int
	err = c.Call(context.Background(), "add", &sum, 2, 3)
	fmt.Println(sum, err)

	nobody, _ := c.Prepare(broker.Prepare{Topic: "nobody"})
	err = nobody.Call(context.Background(), "add", &sum, 2, 3)
	fmt.Println(err)
	// Output:
	// 5 <nil>
	// broker: add to nobody: nobody serves the target
}
