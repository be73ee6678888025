package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/xmlrpc"
)

// exampleServer is a two-method XML-RPC server (add and div) built from the codec alone, so the
// examples run anywhere.
func exampleServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		call, err := xmlrpc.DecodeCall(data)
		var out []byte
		var a, b int
		switch {
		case err != nil:
			out, _ = xmlrpc.MarshalFault(&xmlrpc.Fault{Code: xmlrpc.CodeParseError, String: err.Error()})
		case call.Method == "system.multicall":
			// A multicall of add(1,2) and div(1,0), answered by hand.
			out, _ = xmlrpc.MarshalResponse([]any{[]any{3}, map[string]any{"faultCode": 1, "faultString": "division by zero"}})
		case call.DecodeParam(0, &a) != nil || call.DecodeParam(1, &b) != nil:
			out, _ = xmlrpc.MarshalFault(&xmlrpc.Fault{Code: xmlrpc.CodeInvalidParams, String: "want two ints"})
		case call.Method == "add":
			out, _ = xmlrpc.MarshalResponse(a + b)
		case call.Method == "div" && b == 0:
			out, _ = xmlrpc.MarshalFault(&xmlrpc.Fault{Code: 1, String: "division by zero"})
		case call.Method == "div":
			out, _ = xmlrpc.MarshalResponse(float64(a) / float64(b))
		default:
			out, _ = xmlrpc.MarshalFault(&xmlrpc.Fault{Code: xmlrpc.CodeMethodNotFound, String: "no method " + call.Method})
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Write(out)
	}))
}

func ExampleClient_Call() {
	srv := exampleServer()
	defer srv.Close()

	c, err := client.New(srv.URL + "/RPC2")
	if err != nil {
		panic(err)
	}
	defer c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var sum int
	if err := c.Call(ctx, "add", &sum, 2, 3); err != nil {
		panic(err)
	}
	var quotient float64
	if err := c.Call(ctx, "div", &quotient, 7, 2); err != nil {
		panic(err)
	}
	fmt.Println(sum, quotient)
	// Output:
	// 5 3.5
}

// A fault is the server's answer; anything else is a transport error that says whether the
// request provably never reached the server.
func ExampleClient_Call_errors() {
	srv := exampleServer()
	defer srv.Close()
	c, _ := client.New(srv.URL)
	defer c.Close()

	err := c.Call(context.Background(), "div", nil, 1, 0)
	var fault *xmlrpc.Fault
	if errors.As(err, &fault) {
		fmt.Println("fault:", fault.Code, fault.String)
	}

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	down := "http://" + ln.Addr().String() + "/RPC2"
	ln.Close() // nothing listens there now
	c2, _ := client.New(down)
	err = c2.Call(context.Background(), "add", nil, 1, 2)
	var te *client.TransportError
	if errors.As(err, &te) {
		fmt.Println("transport error, op:", te.Op, "not sent:", te.NotSent())
	}
	// Output:
	// fault: 1 division by zero
	// transport error, op: connect not sent: true
}

func ExampleClient_MultiCall() {
	srv := exampleServer()
	defer srv.Close()
	c, _ := client.New(srv.URL)
	defer c.Close()

	var sum int
	var quotient float64
	add := client.NewCall("add", &sum, 1, 2)
	div := client.NewCall("div", &quotient, 1, 0)
	if err := c.MultiCall(context.Background(), add, div); err != nil {
		panic(err) // the batch as a whole failed
	}
	fmt.Println(sum, add.Err)
	fmt.Println(div.Err)
	// Output:
	// 3 <nil>
	// xmlrpc: fault 1: division by zero
}

func ExampleNew_options() {
	c, err := client.New("https://rpc.example.com/RPC2",
		client.WithUserAgent("inventory-sync/2.1"),
		client.WithHeader("X-Request-Source", "nightly"),
		client.WithMaxIdleConnsPerHost(128),
		client.WithTimeout(10*time.Second),
	)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Println(c.URL())

	// A supervisord control socket: the URL names the socket; requests go to /RPC2.
	s, _ := client.New("unix:///run/supervisor.sock")
	fmt.Println(s.URL())
	// Output:
	// https://rpc.example.com/RPC2
	// unix:///run/supervisor.sock
}
