// Command jsonrpc serves one registry over XML-RPC and JSON-RPC 2.0 on the same path and calls
// the same Go function both ways: positional params, named params (the shape the Zabbix API
// uses), a notification and a batch. It serves on a free loopback port, makes its calls, and
// exits.
//
//	go run ./examples/jsonrpc
package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"sync/atomic"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// Login is a named-params object: JSON-RPC sends it as {"username": ..., "password": ...}, XML-RPC
// as one struct.
type Login struct {
	Username string `json:"username" xmlrpc:"username"`
	Password string `json:"password" xmlrpc:"password"`
}

func main() {
	var hits atomic.Int64
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		log.Fatal(err)
	}
	reg.MustRegister("add", func(a, b int) int { return a + b }, "add(a, b): a + b.")
	reg.MustRegister("user.login", func(l Login) (string, error) {
		if l.Password != "zabbix" {
			return "", fmt.Errorf("login failed for %s", l.Username)
		}
		return "session-of-" + l.Username, nil
	}, "user.login({username, password}): a session token.")
	reg.MustRegister("hit", func() { hits.Add(1) }, "hit(): counts a hit; answers nothing.")
	srv, err := server.New(reg, nil) // serves both protocols on / and /RPC2
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String() + "/RPC2"

	xc, err := client.New(url)
	if err != nil {
		log.Fatal(err)
	}
	defer xc.Close()
	jc, err := client.New(url, client.WithJSONRPC())
	if err != nil {
		log.Fatal(err)
	}
	defer jc.Close()

	cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
	defer ccancel()
	var x, j int
	if err := xc.Call(cctx, "add", &x, 2, 3); err != nil {
		log.Fatal(err)
	}
	if err := jc.Call(cctx, "add", &j, 2, 3); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("add(2, 3): XML-RPC %d, JSON-RPC %d\n", x, j)

	var token string
	if err := jc.CallNamed(cctx, "user.login", &token, Login{Username: "Admin", Password: "zabbix"}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("user.login with named params:", token)
	err = jc.CallNamed(cctx, "user.login", &token, map[string]string{"username": "Admin", "password": "guess"})
	fmt.Println("a wrong password:", err)

	if err := jc.Notify(cctx, "hit"); err != nil { // executed, never answered
		log.Fatal(err)
	}
	var a, b int
	calls := []*client.Call{client.NewCall("add", &a, 1, 2), client.NewCall("add", &b, 40, 2), client.NewCall("nope", nil)}
	if err := jc.Batch(cctx, calls...); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("batch: %d %d, %v\n", a, b, calls[2].Err)

	cancel()
	if err := <-done; err != nil {
		log.Fatal(err)
	}
	fmt.Println("hits counted:", hits.Load())
}
