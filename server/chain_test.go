package server_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// TestDeadlineChain: in a chain A -> B -> C of harp servers, each handler calling the next hop
// with the context it was given, C sees what is left of the first caller's deadline and its
// request id, over both protocols.
func TestDeadlineChain(t *testing.T) {
	for _, proto := range []string{"xmlrpc", "jsonrpc"} {
		t.Run(proto, func(t *testing.T) {
			var opts []client.Option
			if proto == "jsonrpc" {
				opts = append(opts, client.WithJSONRPC())
			}
			c := chainServer(t, nil, opts)
			b := chainServer(t, c, opts)
			a := chainServer(t, b, opts)
			ctx, cancel := context.WithTimeout(rpc.WithRequestID(context.Background(), "chain-7"), 5*time.Second)
			defer cancel()
			var got string
			if err := a.Call(ctx, "probe", &got); err != nil {
				t.Fatal(err)
			}
			parts := strings.Split(got, "|")
			left, err := time.ParseDuration(parts[0])
			if err != nil || len(parts) != 2 {
				t.Fatalf("C answered %q", got)
			}
			if left <= 3*time.Second || left > 5*time.Second || parts[1] != "chain-7" {
				t.Errorf("C saw %v left and id %q; want under 5s of A's caller's budget and chain-7", left, parts[1])
			}
		})
	}
}

// chainServer serves "probe": with a next hop it relays the call there under its own context;
// the last hop answers the time its context has left and the request id it carries.
func chainServer(t *testing.T, next *client.Client, opts []client.Option) *client.Client {
	t.Helper()
	reg, _ := rpc.NewRegistry(nil)
	reg.MustRegister("probe", func(ctx context.Context) (string, error) {
		if next != nil {
			var s string
			err := next.Call(ctx, "probe", &s)
			return s, err
		}
		left := "none"
		if dl, ok := ctx.Deadline(); ok {
			left = time.Until(dl).String()
		}
		return left + "|" + rpc.RequestID(ctx), nil
	}, "")
	srv, err := server.New(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c, err := client.New(ts.URL+"/RPC2", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
