package cluster_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// Example balances calls over two harp servers with harp's client as each endpoint's Caller.
func Example() {
	var urls []cluster.Endpoint
	for i := range 2 {
		reg, _ := rpc.NewRegistry(nil)
		reg.MustRegister("whoami", func() int { return i }, "Returns the server's number.")
		srv, _ := server.New(reg, nil)
		ts := httptest.NewServer(srv)
		defer ts.Close()
		urls = append(urls, cluster.Endpoint{URL: ts.URL + "/RPC2"})
	}
	c, err := cluster.New(urls, func(ep cluster.Endpoint) (cluster.Caller, error) {
		return client.New(ep.URL)
	}, nil) // DefaultConfig: round_robin, failover
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	for range 4 {
		var n int
		if err := c.Call(context.Background(), "whoami", &n); err != nil {
			log.Fatal(err)
		}
		fmt.Print(n, " ")
	}
	fmt.Println()
	// Output: 0 1 0 1
}

// Example_weightedRoundRobin shows nginx's smooth weighted round robin: weights 5, 1 and 1
// interleave as a a b a c a a rather than a a a a a b c.
func Example_weightedRoundRobin() {
	var eps []cluster.Endpoint
	for i, w := range []int{5, 1, 1} {
		eps = append(eps, cluster.Endpoint{URL: string(rune('a' + i)), Weight: w})
	}
	cfg := cluster.DefaultConfig()
	cfg.Policy = "weighted_round_robin"
	cfg.Health.Interval = 0 // in-process endpoints need no checks
	c, err := cluster.New(eps, func(ep cluster.Endpoint) (cluster.Caller, error) {
		return cluster.CallerFunc(func(ctx context.Context, method string, reply any, args ...any) error {
			*reply.(*string) = ep.URL
			return nil
		}), nil
	}, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	var seq []string
	for range 7 {
		var who string
		c.Call(context.Background(), "m", &who)
		seq = append(seq, who)
	}
	fmt.Println(strings.Join(seq, " "))
	// Output: a a b a c a a
}

// ExampleCluster_Stats reads an endpoint's figures after a few calls.
func ExampleCluster_Stats() {
	cfg := cluster.DefaultConfig()
	cfg.Health.Interval = 0
	c, err := cluster.New([]cluster.Endpoint{{URL: "inproc://one"}}, func(cluster.Endpoint) (cluster.Caller, error) {
		return cluster.CallerFunc(func(context.Context, string, any, ...any) error { return nil }), nil
	}, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	for range 3 {
		c.Call(context.Background(), "m", nil)
	}
	s := c.Stats().Endpoints[0]
	fmt.Println(s.Endpoint.URL, s.State, s.Calls, s.Failures, s.Availability)
	// Output: inproc://one healthy 3 0 1
}
