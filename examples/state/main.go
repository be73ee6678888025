// Command state runs harp's shared-state service on an embedded NATS JetStream node, on a free
// loopback port, and calls it the way the Python example (shared_dict.py) does: set and get of
// any value, incr with idempotency keys, compare-and-set, keys by prefix. With -serve it keeps
// serving until interrupted and prints its URL, for python3 shared_dict.py URL.
//
//	go run ./examples/state
//	go run ./examples/state -serve
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/natsd"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/state"
)

// service is a running example: NATS, the state instance and its HTTP server.
type service struct {
	URL  string
	stop func()
}

// start runs NATS in a temporary store, one state instance and its HTTP server on a free port.
func start(ctx context.Context) (*service, error) {
	dir, err := os.MkdirTemp("", "harp-state-example")
	if err != nil {
		return nil, err
	}
	ncfg := natsd.DefaultConfig()
	ncfg.Port, ncfg.StoreDir = 0, dir
	ns, err := natsd.Start(ctx, ncfg)
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		return nil, err
	}
	svc, err := state.New(ctx, nc, nil)
	if err != nil {
		return nil, err
	}
	for !svc.Election().IsMaster() { // a lone instance wins at once
		time.Sleep(time.Millisecond)
	}
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		return nil, err
	}
	if err := svc.Register(reg, ""); err != nil {
		return nil, err
	}
	srv, err := server.New(reg, nil)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	return &service{URL: "http://" + ln.Addr().String() + "/RPC2", stop: func() {
		hs.Close()
		svc.Close(context.Background())
		nc.Close()
		ns.Shutdown(context.Background())
		os.RemoveAll(dir)
	}}, nil
}

func main() {
	serve := flag.Bool("serve", false, "serve until interrupted instead of running the calls")
	flag.Parse()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	s, err := start(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer s.stop()
	if *serve {
		fmt.Println(s.URL)
		<-ctx.Done()
		return
	}
	if err := demo(ctx, s.URL); err != nil {
		log.Fatal(err)
	}
}

// demo makes the calls of shared_dict.py from Go.
func demo(ctx context.Context, url string) error {
	c, err := client.New(url)
	if err != nil {
		return err
	}
	if err := c.Call(ctx, "set", nil, "config.colour", "blue"); err != nil {
		return err
	}
	var colour string
	if err := c.Call(ctx, "get", &colour, "config.colour"); err != nil {
		return err
	}
	fmt.Println("colour:", colour)
	var n int64
	for range 2 { // the second is a retry with the same id: not applied again
		if err := c.Call(ctx, "incr", &n, "hits", 1, map[string]any{"id": "request-1"}); err != nil {
			return err
		}
		fmt.Println("hits:", n)
	}
	var e struct {
		Revision int64 `xmlrpc:"revision"`
	}
	if err := c.Call(ctx, "entry", &e, "config.colour"); err != nil {
		return err
	}
	if err := c.Call(ctx, "cas", nil, "config.colour", e.Revision, "green"); err != nil {
		return err
	}
	err = c.Call(ctx, "cas", nil, "config.colour", e.Revision, "red")
	var f interface{ FaultCode() int }
	if errors.As(err, &f) {
		fmt.Println("stale cas refused:", f.FaultCode())
	}
	var keys []string
	if err := c.Call(ctx, "keys", &keys, "config."); err != nil {
		return err
	}
	fmt.Println("keys:", keys)
	return nil
}
