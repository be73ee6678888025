// Command broker is oslo.messaging's RPC model done with harp over NATS, with nothing
// installed: it starts an embedded NATS server with JetStream, serves the same registry on
// topic "compute" from two servers, then calls (the broker picks a server), calls one server by
// name (prepare(server=)), fans a cast out to both, makes a durable cast while no server runs
// and sees it run once when one comes back, and shows the typed errors. It exits when done.
//
//	go run ./examples/broker
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/broker/natsrpc"
	"github.com/harp-rpc/harp/natsd"
	"github.com/harp-rpc/harp/rpc"
)

// hosts records what each server ran, for the example to print.
type hosts struct {
	mu  sync.Mutex
	log []string
}

func (h *hosts) add(s string) {
	h.mu.Lock()
	h.log = append(h.log, s)
	h.mu.Unlock()
}

func (h *hosts) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.log
	h.log = nil
	sort.Strings(l)
	return l
}

// registry is what every server of the topic serves: plain Go functions, as over HTTP.
func registry(name string, h *hosts) *rpc.Registry {
	r, err := rpc.NewRegistry(nil)
	if err != nil {
		log.Fatal(err)
	}
	r.MustRegister("whoami", func() string { return name }, "the server's name")
	r.MustRegister("boot", func(ctx context.Context, vm string) (string, error) {
		user := broker.ContextFrom(ctx)["user"]
		h.add(fmt.Sprintf("%s booted %s for %v", name, vm, user))
		return vm + " up", nil
	}, "boots a VM")
	r.MustRegister("refresh", func(what string) string { h.add(name + " refreshed " + what); return "ok" }, "refreshes a cache")
	r.MustRegister("fail", func() error { return &rpc.Error{Code: 42, Message: "no capacity"} }, "always fails")
	return r
}

func main() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "harp-broker-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ncfg := natsd.DefaultConfig()
	ncfg.Port, ncfg.StoreDir = 0, dir
	ns, err := natsd.Start(ctx, ncfg)
	if err != nil {
		log.Fatal(err)
	}
	defer ns.Shutdown(ctx)

	cfg := natsrpc.DefaultConfig()
	cfg.URL = ns.ClientURL()
	tr, err := natsrpc.Dial(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()

	h := &hosts{}
	start := func(name string) *broker.Server {
		s, err := broker.NewServer(tr, registry(name, h), &broker.ServerConfig{
			Target: broker.Target{Topic: "compute", Server: name}, MaxInFlight: 8, Durable: true})
		if err != nil {
			log.Fatal(err)
		}
		if err := s.Start(ctx); err != nil {
			log.Fatal(err)
		}
		return s
	}
	a, b := start("host-a"), start("host-b")

	c, err := broker.NewClient(tr, &broker.ClientConfig{Target: broker.Target{Topic: "compute"}, Timeout: 5 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	// call: the broker picks a server of the topic.
	seen := map[string]bool{}
	for i := 0; i < 40; i++ {
		var who string
		if err := c.Call(ctx, "whoami", &who); err != nil {
			log.Fatal(err)
		}
		seen[who] = true
	}
	fmt.Println("40 calls reached both servers:", seen["host-a"] && seen["host-b"])

	// prepare(server=): one server by name, with a request context the handler reads.
	toB, _ := c.Prepare(broker.Prepare{Server: "host-b"})
	var up string
	err = toB.Call(broker.WithContext(ctx, broker.RequestContext{"user": "alice"}), "boot", &up, "vm-1")
	fmt.Println(up, err, h.take())

	// fanout: every server of the topic.
	if err := c.Fanout(ctx, "refresh", "images"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(waitFor(h, 2))

	// A durable cast while every server is down waits in JetStream, and runs once later.
	stop, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	a.Stop(stop)
	b.Stop(stop)
	durable, _ := c.Prepare(broker.Prepare{Durable: true})
	if err := durable.Cast(ctx, "boot", "vm-2"); err != nil {
		log.Fatal(err)
	}
	var whoErr *broker.NoServerError
	err = c.Call(ctx, "whoami", nil)
	fmt.Println("no server:", errors.As(err, &whoErr), err)
	a = start("host-a")
	defer a.Stop(stop)
	fmt.Println(waitFor(h, 1))

	// A fault is the server's answer, told apart from the transport's failures.
	err = c.Call(ctx, "fail", nil)
	if f, ok := broker.AsFault(err); ok {
		fmt.Println("fault", f.FaultCode(), f.FaultString())
	}
}

// waitFor waits (up to 5 s) until n things ran, and returns them.
func waitFor(h *hosts, n int) string {
	var got []string
	for deadline := time.Now().Add(5 * time.Second); len(got) < n && time.Now().Before(deadline); {
		got = append(got, h.take()...)
		time.Sleep(5 * time.Millisecond)
	}
	sort.Strings(got)
	return strings.Join(got, "; ")
}
