package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// Example serves Python's classic example (pow, add, div) and calls add over HTTP.
func Example() {
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		log.Fatal(err)
	}
	reg.MustRegister("pow", func(x, y int) int {
		r := 1
		for range y {
			r *= x
		}
		return r
	}, "Returns x raised to the power y.")
	reg.MustRegister("add", func(x, y int) int { return x + y }, "Returns x + y.")
	reg.MustRegister("div", func(x, y float64) (float64, error) {
		if y == 0 {
			return 0, errors.New("division by zero")
		}
		return x / y, nil
	}, "Returns x / y.")

	srv, err := server.New(reg, nil) // serves "/" and "/RPC2"
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	body, _ := xmlrpc.MarshalCall("add", 2, 3)
	resp, err := http.Post(ts.URL+"/RPC2", "text/xml", strings.NewReader(string(body)))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var sum int
	fmt.Println(xmlrpc.UnmarshalResponse(data, &sum), sum)

	body, _ = xmlrpc.MarshalCall("div", 1.0, 0.0)
	resp2, err := http.Post(ts.URL+"/RPC2", "text/xml", strings.NewReader(string(body)))
	if err != nil {
		log.Fatal(err)
	}
	defer resp2.Body.Close()
	data, _ = io.ReadAll(resp2.Body)
	fmt.Println(xmlrpc.UnmarshalResponse(data, nil))
	// Output:
	// <nil> 5
	// xmlrpc: fault 1: division by zero
}

// ExampleServer_ListenAndServe runs a server with a cap on calls in flight and a per-call deadline
// until its context ends, then drains the calls in flight.
func ExampleServer_ListenAndServe() {
	reg, _ := rpc.NewRegistry(nil)
	reg.MustRegister("echo", func(v any) any { return v }, "Returns its argument.")
	cfg := server.DefaultConfig()
	cfg.MaxInFlight = 1000
	cfg.CallTimeout = 30 * time.Second
	cfg.BasicAuth = server.Users(map[string]string{"admin": "secret"})
	srv, err := server.New(reg, cfg)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer stop()
	fmt.Println(srv.ListenAndServe(ctx, "127.0.0.1:0"))
	// Output: <nil>
}

// ExampleServer_mux mounts the server under a prefix of another mux.
func ExampleServer_mux() {
	reg, _ := rpc.NewRegistry(nil)
	reg.MustRegister("ping", func() string { return "pong" }, "")
	cfg := server.DefaultConfig()
	cfg.Paths = []string{"/api/xmlrpc"}
	srv, _ := server.New(reg, cfg)
	mux := http.NewServeMux()
	mux.Handle("/api/xmlrpc", srv)
	ts := httptest.NewServer(mux)
	defer ts.Close()

	body, _ := xmlrpc.MarshalCall("ping")
	resp, err := http.Post(ts.URL+"/api/xmlrpc", "text/xml", strings.NewReader(string(body)))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var s string
	fmt.Println(xmlrpc.UnmarshalResponse(data, &s), s)
	// Output: <nil> pong
}

// ExampleNewHandler serves a plain http.Handler with the connection handling of an RPC server:
// its small POSTs are read and answered on the fast connections, the rest by net/http.
func ExampleNewHandler() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "%s %s: %s", r.Method, r.URL.Path, body)
	})
	srv, err := server.NewHandler(h, nil)
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
	resp, err := http.Post("http://"+ln.Addr().String()+"/echo", "text/plain", strings.NewReader("hello"))
	if err != nil {
		log.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Status, string(b))
	cancel()
	fmt.Println(<-done)
	// Output:
	// 200 OK POST /echo: hello
	// <nil>
}
