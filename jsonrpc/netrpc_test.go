package jsonrpc_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	netrpc "net/rpc"
	netjsonrpc "net/rpc/jsonrpc"
	"testing"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
)

// Args are the arguments of the Arith service of net/rpc's documentation.
type Args struct{ A, B int }

// Arith is net/rpc's example service.
type Arith int

// Multiply sets *reply to A*B.
func (*Arith) Multiply(args *Args, reply *int) error { *reply = args.A * args.B; return nil }

// Divide fails for a zero divisor.
func (*Arith) Divide(args *Args, reply *int) error {
	if args.B == 0 {
		return errors.New("divide by zero")
	}
	*reply = args.A / args.B
	return nil
}

// TestNetRPCClient serves Go's net/rpc/jsonrpc client (a real JSON-RPC 1.0 peer) with Codec.Serve.
func TestNetRPCClient(t *testing.T) {
	cconn, sconn := net.Pipe()
	defer cconn.Close()
	done := make(chan error, 1)
	go func() {
		defer sconn.Close()
		c := jsonrpc.Codec{Encode: jsonrpc.EncodeOptions{V1StringErrors: true}}
		dec := json.NewDecoder(bufio.NewReader(sconn)) // framing only: net/rpc/jsonrpc streams messages
		for {
			var msg json.RawMessage
			if err := dec.Decode(&msg); err != nil {
				done <- nil
				return
			}
			out, _ := c.Serve(context.Background(), nil, msg, func(_ context.Context, r *jsonrpc.Request) (any, error) {
				if r.Version != jsonrpc.Version1 || r.NumParams() != 1 {
					return nil, errors.New("not a net/rpc request")
				}
				var a Args
				if err := r.DecodeParam(0, &a); err != nil {
					return nil, err
				}
				switch r.Method {
				case "Arith.Multiply":
					return a.A * a.B, nil
				case "Arith.Divide":
					if a.B == 0 {
						return nil, errors.New("divide by zero")
					}
					return a.A / a.B, nil
				}
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: "rpc: can't find method " + r.Method}
			})
			if _, err := sconn.Write(append(out, '\n')); err != nil {
				done <- err
				return
			}
		}
	}()
	client := netrpc.NewClientWithCodec(netjsonrpc.NewClientCodec(cconn))
	var reply int
	if err := client.Call("Arith.Multiply", &Args{7, 8}, &reply); err != nil || reply != 56 {
		t.Errorf("Multiply: %d, %v", reply, err)
	}
	err := client.Call("Arith.Divide", &Args{1, 0}, &reply)
	var se netrpc.ServerError
	if !errors.As(err, &se) || string(se) != "divide by zero" {
		t.Errorf("Divide by zero: %v", err)
	}
	if err := client.Call("Arith.Divide", &Args{9, 2}, &reply); err != nil || reply != 4 {
		t.Errorf("Divide: %d, %v", reply, err)
	}
	client.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Error("server loop did not end")
	}
}

// TestNetRPCServer calls Go's net/rpc/jsonrpc server (a real JSON-RPC 1.0 peer) with requests this
// package writes, and reads its responses.
func TestNetRPCServer(t *testing.T) {
	srv := netrpc.NewServer()
	if err := srv.Register(new(Arith)); err != nil {
		t.Fatal(err)
	}
	cconn, sconn := net.Pipe()
	defer cconn.Close()
	go srv.ServeCodec(netjsonrpc.NewServerCodec(sconn))
	if err := cconn.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(cconn) // framing only
	call := func(id int64, method string, args Args, reply any) error {
		req, err := jsonrpc.EncodeOptions{}.AppendRequestV1(nil, jsonrpc.IntID(id), method, args)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cconn.Write(req); err != nil {
			t.Fatal(err)
		}
		var msg json.RawMessage
		if err := dec.Decode(&msg); err != nil {
			t.Fatal(err)
		}
		rs, _, err := jsonrpc.DecodeOptions{}.DecodeResponses(msg)
		if err != nil {
			t.Fatalf("response %s: %v", msg, err)
		}
		if n, ok := rs[0].ID.Int64(); !ok || n != id || rs[0].Version != jsonrpc.Version1 {
			t.Errorf("response %s: id or version", msg)
		}
		return rs[0].Decode(reply)
	}
	var n int
	if err := call(1, "Arith.Multiply", Args{6, 7}, &n); err != nil || n != 42 {
		t.Errorf("Multiply: %d, %v", n, err)
	}
	err := call(2, "Arith.Divide", Args{1, 0}, &n)
	var je *jsonrpc.Error
	if !errors.As(err, &je) || je.Message != "divide by zero" || jsonrpc.ErrorCode(err) != 0 {
		t.Errorf("Divide by zero: %v", err)
	}
}
