package gateway_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// A JSON-RPC batch whose user.* requests route to an XML-RPC pool: that part is bridged request
// by request (each an XML-RPC call), the rest forwarded as a batch, and the answers come back in
// the caller's order, a fault as an error object.
func TestBatchBridged(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	gw := twoPools(t, a, b, "    protocol: xmlrpc")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := newClient(t, gw.url, client.WithJSONRPC())
	var w1, w2, w3 string
	var sum int
	calls := []*rpc.Call{
		rpc.NewCall("user.whoami", &w1),
		rpc.NewCall("whoami", &w2),
		rpc.NewCall("add", &sum, 40, 2),
		rpc.NewCall("user.whoami", &w3),
		rpc.NewCall("user.nothing", nil),
	}
	if err := c.Batch(ctx, calls...); err != nil {
		t.Fatal(err)
	}
	if w1 != "a" || w2 != "b" || sum != 42 || w3 != "a" {
		t.Errorf("answers: %q %q %d %q", w1, w2, sum, w3)
	}
	var je *jsonrpc.Error
	if !errors.As(calls[4].Err, &je) || je.Code != rpc.CodeMethodNotFound {
		t.Errorf("an unknown method through the bridge: %v", calls[4].Err)
	}
	if n := a.calls.Load(); n != 2 {
		t.Errorf("the XML-RPC pool ran %d calls, want 2", n)
	}
	bridgedWholly := []*rpc.Call{rpc.NewCall("user.whoami", &w1), rpc.NewCall("user.whoami", &w3)}
	w1, w3 = "", ""
	if err := c.Batch(ctx, bridgedWholly...); err != nil || w1 != "a" || w3 != "a" {
		t.Errorf("a batch all for the bridged pool: %q %q %v", w1, w3, err)
	}
}

// A system.multicall whose user.* calls route to a JSON-RPC pool: those calls are bridged one
// by one (each a JSON-RPC request), the rest sent as a multicall, answers in order, an error
// object as a fault.
func TestMulticallBridged(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	gw := twoPools(t, a, b, "    protocol: jsonrpc")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := newClient(t, gw.url)
	var w1, w2 string
	var sum int
	calls := []*rpc.Call{
		rpc.NewCall("user.whoami", &w1),
		rpc.NewCall("add", &sum, 40, 2),
		rpc.NewCall("user.nothing", nil),
		rpc.NewCall("whoami", &w2),
	}
	if err := c.MultiCall(ctx, calls...); err != nil {
		t.Fatal(err)
	}
	if w1 != "a" || sum != 42 || w2 != "b" {
		t.Errorf("answers: %q %d %q", w1, sum, w2)
	}
	var f *xmlrpc.Fault
	if !errors.As(calls[2].Err, &f) || f.Code != rpc.CodeMethodNotFound {
		t.Errorf("an unknown method through the bridge: %v", calls[2].Err)
	}
	if n := a.calls.Load(); n != 1 {
		t.Errorf("the JSON-RPC pool ran %d calls, want 1", n)
	}
}
