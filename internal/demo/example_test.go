package demo_test

import (
	"context"
	"fmt"

	"github.com/harp-rpc/harp/internal/demo"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

func ExampleRegister() {
	reg, _ := rpc.NewRegistry(nil)
	counter := demo.NewCounter(0)
	if err := demo.Register(reg, counter); err != nil {
		panic(err)
	}
	// Decode a call as a server would, and run it.
	doc, _ := xmlrpc.MarshalCall("validator1.easyStructTest", map[string]int{"moe": 1, "larry": 2, "curly": 3})
	call, _ := xmlrpc.DecodeCall(doc)
	sum, err := reg.Call(context.Background(), nil, call.Method, call)
	fmt.Println(sum, err)

	doc, _ = xmlrpc.MarshalCall("counter.record", "order-17")
	call, _ = xmlrpc.DecodeCall(doc)
	n, _ := reg.Call(context.Background(), nil, call.Method, call)
	fmt.Println(n, counter.Duplicates())
	// Output:
	// 6 <nil>
	// 1 0
}
