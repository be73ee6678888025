// Command oslo serves a harp registry to OpenStack oslo.messaging callers on RabbitMQ and calls
// it the way they do: a call with keyword arguments, a fault, prepare(server=...), a cast and a
// fanout cast with a request context. Give it the broker's URL:
//
//	go run ./examples/oslo amqp://guest:guest@127.0.0.1:5672/
//
// While it runs (-wait), Python's oslo.messaging reaches the same methods (client.py here):
//
//	/usr/bin/python3 examples/oslo/client.py rabbit://guest:guest@127.0.0.1:5672/
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"time"

	"github.com/harp-rpc/harp/broker/oslo"
	"github.com/harp-rpc/harp/rpc"
)

// Order is a keyword-arguments object: oslo's order(item=..., qty=...) binds to its fields.
type Order struct {
	Item string `json:"item"`
	Qty  int    `json:"qty"`
}

func main() {
	wait := flag.Duration("wait", 0, "keep serving this long after the demo calls (for client.py)")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: oslo [-wait D] amqp://user:pass@host:port/")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, flag.Arg(0), "harp_example", *wait, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run serves topic on the broker at url, makes the demo calls, writes what they return to w,
// serves on for wait, and stops.
func run(ctx context.Context, url, topic string, wait time.Duration, w io.Writer) error {
	casts := make(chan string, 4)
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		return err
	}
	reg.MustRegister("add", func(x, y int) int { return x + y }, "add(x, y): keywords bound in the order written.")
	reg.MustRegister("order", func(o Order) (string, error) {
		if o.Qty > 3 {
			return "", &rpc.Error{Code: 409, Message: fmt.Sprintf("only 3 %s left", o.Item)}
		}
		return fmt.Sprintf("%d %s ordered", o.Qty, o.Item), nil
	}, "order(item, qty): one struct.")
	reg.MustRegister("notify", func(ctx context.Context, msg string) {
		casts <- fmt.Sprintf("%s (user %v)", msg, oslo.RequestContext(ctx)["user_id"])
	}, "notify(msg): a cast.")
	core, err := rpc.NewServer(reg, nil)
	if err != nil {
		return err
	}
	cfg := oslo.DefaultConfig(topic)
	cfg.Server = "worker1"
	srv, err := oslo.Listen(ctx, url, core, cfg)
	if err != nil {
		return err
	}
	defer srv.Shutdown(context.Background())

	c, err := oslo.Dial(ctx, url, oslo.DefaultClientConfig(topic))
	if err != nil {
		return err
	}
	defer c.Close()
	var sum int
	if err := c.Call(ctx, "add", map[string]int{"x": 2, "y": 3}, &sum); err != nil {
		return err
	}
	fmt.Fprintln(w, "add(x=2, y=3):", sum)
	var res string
	if err := c.Call(ctx, "order", Order{Item: "apples", Qty: 2}, &res); err != nil {
		return err
	}
	fmt.Fprintln(w, "order(item=apples, qty=2):", res)
	var re *oslo.RemoteError
	if err := c.Call(ctx, "order", Order{Item: "pears", Qty: 9}, &res); errors.As(err, &re) {
		fmt.Fprintf(w, "order(item=pears, qty=9): fault %d %s (Python sees RemoteError %s)\n", re.Code, re.FaultString(), re.Failure.Class)
	}
	if err := c.Prepare(oslo.Target{Server: "worker1"}).Call(ctx, "add", map[string]int{"x": 1, "y": 1}, &sum); err != nil {
		return err
	}
	fmt.Fprintln(w, "prepare(server=worker1).add(x=1, y=1):", sum)
	rctx := oslo.WithRequestContext(ctx, map[string]any{"user_id": "alice"})
	if err := c.Cast(rctx, "notify", map[string]string{"msg": "cast"}); err != nil {
		return err
	}
	if err := c.Fanout(rctx, "notify", map[string]string{"msg": "fanout"}); err != nil {
		return err
	}
	for range 2 {
		select {
		case s := <-casts:
			fmt.Fprintln(w, "ran:", s)
		case <-time.After(10 * time.Second):
			return errors.New("a cast did not run")
		}
	}
	select {
	case <-time.After(wait):
	case <-ctx.Done():
	}
	return nil
}
