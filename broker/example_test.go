package broker_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/harp-rpc/harp/broker"
	_ "github.com/harp-rpc/harp/broker/natsrpc" // the nats:// scheme
	"github.com/harp-rpc/harp/natsd"
	"github.com/harp-rpc/harp/rpc"
)

func ExampleTarget() {
	fmt.Println(broker.Target{Exchange: "nova", Topic: "compute", Server: "host-1"})
	fmt.Println(broker.Target{Topic: "compute", Fanout: true})
	fmt.Println(errors.Is(broker.Target{Topic: "a b"}.Verify(), broker.ErrInvalidTarget))
	// Output:
	// nova/compute@host-1
	// compute(fanout)
	// true
}

// A handler reads the request context each call carries.
func ExampleContextFrom() {
	dir, _ := os.MkdirTemp("", "broker")
	defer os.RemoveAll(dir)
	ncfg := natsd.DefaultConfig()
	ncfg.Port, ncfg.StoreDir = 0, dir
	ns, err := natsd.Start(context.Background(), ncfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ns.Shutdown(context.Background())
	tr, err := broker.Dial(context.Background(), ns.ClientURL())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Close()

	reg, _ := rpc.NewRegistry(nil)
	reg.MustRegister("whoami", func(ctx context.Context) (string, error) {
		return fmt.Sprint(broker.ContextFrom(ctx)["user"], " ", rpc.RequestID(ctx)), nil
	}, "")
	srv, _ := broker.NewServer(tr, reg, &broker.ServerConfig{Target: broker.Target{Topic: "id"}, MaxInFlight: 4})
	srv.Start(context.Background())
	defer srv.Stop(context.Background())

	c, _ := broker.NewClient(tr, &broker.ClientConfig{Target: broker.Target{Topic: "id"}})
	ctx := broker.WithContext(rpc.WithRequestID(context.Background(), "req-7"), broker.RequestContext{"user": "alice"})
	var who string
	err = c.Call(ctx, "whoami", &who)
	fmt.Println(who, err)
	// Output: alice req-7 <nil>
}
