package client_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// jsonExampleServer is a harp server with add, which serves XML-RPC and JSON-RPC alike.
func jsonExampleServer() *httptest.Server {
	reg, _ := rpc.NewRegistry(nil)
	reg.MustRegister("add", func(a, b int) int { return a + b }, "Adds two integers.")
	cfg := server.DefaultConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	s, _ := server.New(reg, cfg)
	return httptest.NewServer(s)
}

func ExampleWithJSONRPC() {
	srv := jsonExampleServer()
	defer srv.Close()
	c, err := client.New(srv.URL+"/RPC2", client.WithJSONRPC())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	ctx := context.Background()

	var sum int
	err = c.Call(ctx, "add", &sum, 2, 3)
	fmt.Println(sum, err)

	// A remote error is a *jsonrpc.Error.
	var je *jsonrpc.Error
	err = c.Call(ctx, "add", nil, "two", 3)
	fmt.Println(errors.As(err, &je), je.Code)

	// A batch answers each call on its own; a notification gets no answer.
	var a, b int
	calls := []*client.Call{client.NewCall("add", &a, 1, 2), client.NewCall("nope", nil), client.NewCall("add", &b, 3, 4)}
	err = c.Batch(ctx, calls...)
	fmt.Println(err, a, calls[1].Err, b)
	fmt.Println(c.Notify(ctx, "add", 5, 6))
	// Output:
	// 5 <nil>
	// true -32602
	// <nil> 3 jsonrpc: error -32601: method not found: "nope" 7
	// <nil>
}
