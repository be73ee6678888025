// Command quickstart is Python's SimpleXMLRPCServer example done with harp: a server with pow and
// add registered as functions and div as a method of a registered value, with introspection, and
// a client that calls them and lists the methods. It serves on a free loopback port, makes its
// calls, and exits.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// pow returns x to the power y (y >= 0).
func pow(x, y int) (int, error) {
	if y < 0 {
		return 0, errors.New("negative exponent")
	}
	r := 1
	for ; y > 0; y-- {
		r *= x
	}
	return r, nil
}

// MyFuncs is registered as a value: each exported method becomes a callable method, and nothing
// else of it is reachable.
type MyFuncs struct{}

// Div returns x // y, as Python's floor division does.
func (MyFuncs) Div(x, y int) (int, error) {
	if y == 0 {
		return 0, errors.New("division by zero")
	}
	q := x / y
	if (x%y != 0) && ((x < 0) != (y < 0)) {
		q--
	}
	return q, nil
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// The server: register_function(pow), register_function(adder, 'add'),
	// register_instance(MyFuncs()); introspection is built in.
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		log.Fatal(err)
	}
	reg.MustRegister("pow", pow, "pow(x, y): x to the power y.")
	reg.MustRegister("add", func(x, y int) int { return x + y }, "add(x, y): x + y.")
	if err := reg.RegisterValue("", MyFuncs{}); err != nil {
		log.Fatal(err)
	}
	srv, err := server.New(reg, nil)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(ctx, ln)
	defer srv.Shutdown(context.Background())

	// The client: ServerProxy('http://localhost:8000').
	c, err := client.New("http://" + ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	var n int
	for _, call := range []struct {
		method string
		x, y   int
	}{{"pow", 2, 3}, {"add", 2, 3}, {"div", 5, 2}} {
		if err := c.Call(ctx, call.method, &n, call.x, call.y); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s(%d, %d) = %d\n", call.method, call.x, call.y, n)
	}
	var methods []string
	if err := c.Call(ctx, "system.listMethods", &methods); err != nil {
		log.Fatal(err)
	}
	fmt.Println("methods:", methods)

	// A fault is an *xmlrpc.Fault, never confused with a transport error.
	err = c.Call(ctx, "div", &n, 1, 0)
	fmt.Println("div(1, 0):", err)
}
