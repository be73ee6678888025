package gateway_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

func TestMulticallSplit(t *testing.T) {
	for _, mc := range []string{"", "    multicall: false"} {
		t.Run("multicall"+strings.TrimPrefix(mc, "    multicall:"), func(t *testing.T) {
			a, b := newBackend(t, "a"), newBackend(t, "b")
			gw := twoPools(t, a, b, mc)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c := newClient(t, gw.url)
			var w1, w2, w3 string
			var sum int
			calls := []*rpc.Call{
				rpc.NewCall("whoami", &w1),
				rpc.NewCall("user.whoami", &w2),
				rpc.NewCall("add", &sum, 40, 2),
				rpc.NewCall("fail", nil),
				rpc.NewCall("user.whoami", &w3),
				rpc.NewCall("nope.nothing", nil),
			}
			if err := c.MultiCall(ctx, calls...); err != nil {
				t.Fatal(err)
			}
			if w1 != "b" || w2 != "a" || sum != 42 || w3 != "a" {
				t.Errorf("answers out of order: %q %q %d %q", w1, w2, sum, w3)
			}
			var f *xmlrpc.Fault
			if !errors.As(calls[3].Err, &f) || f.Code != 42 {
				t.Errorf("fail: %v", calls[3].Err)
			}
			if calls[5].Err == nil {
				t.Error("nope.nothing answered")
			}
			if a.calls.Load() != 2 || b.calls.Load() != 3 {
				t.Errorf("calls a=%d b=%d, want 2 and 3", a.calls.Load(), b.calls.Load())
			}
		})
	}
}

// A multicall whose calls all go to one pool is forwarded whole.
func TestMulticallOnePool(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	gw := twoPools(t, a, b, "")
	c := newClient(t, gw.url)
	var s1, s2 int
	if err := c.MultiCall(context.Background(), rpc.NewCall("add", &s1, 1, 2), rpc.NewCall("add", &s2, 3, 4)); err != nil {
		t.Fatal(err)
	}
	if s1 != 3 || s2 != 7 || b.calls.Load() != 2 {
		t.Errorf("%d %d, b ran %d", s1, s2, b.calls.Load())
	}
}

func TestBatchSplit(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	gw := twoPools(t, a, b, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := newClient(t, gw.url, client.WithJSONRPC())
	var w1, w2 string
	var sum int
	calls := []*rpc.Call{
		rpc.NewCall("whoami", &w1),
		rpc.NewCall("user.whoami", &w2),
		rpc.NewCall("fail", nil),
		rpc.NewCall("add", &sum, 40, 2),
	}
	if err := c.Batch(ctx, calls...); err != nil {
		t.Fatal(err)
	}
	if w1 != "b" || w2 != "a" || sum != 42 {
		t.Errorf("answers: %q %q %d", w1, w2, sum)
	}
	var je *jsonrpc.Error
	if !errors.As(calls[2].Err, &je) || je.Code != 42 {
		t.Errorf("fail: %v", calls[2].Err)
	}
	// A batch of notifications only is answered 204, and each ran.
	body := `[{"jsonrpc":"2.0","method":"whoami"},{"jsonrpc":"2.0","method":"user.whoami"}]`
	resp, err := http.Post(gw.url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || len(got) != 0 {
		t.Errorf("notifications: %d %s", resp.StatusCode, got)
	}
	waitFor(t, 5*time.Second, func() bool { return a.calls.Load() == 2 && b.calls.Load() == 4 })
}

func TestListMethodsUnion(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	gw := twoPools(t, a, b, "")
	for _, opts := range [][]client.Option{nil, {client.WithJSONRPC()}} {
		var names []string
		if err := newClient(t, gw.url, opts...).Call(context.Background(), "system.listMethods", &names); err != nil {
			t.Fatal(err)
		}
		got := strings.Join(names, " ")
		// user.* from pool a, the rest from pool b (its user.* methods are a's to answer).
		for _, want := range []string{"add", "whoami", "user.whoami", "user.slow", "system.listMethods"} {
			if !strings.Contains(" "+got+" ", " "+want+" ") {
				t.Errorf("listMethods %q lacks %s", got, want)
			}
		}
	}
	var help string
	if err := newClient(t, gw.url).Call(context.Background(), "system.methodHelp", &help, "user.whoami"); err != nil {
		t.Errorf("methodHelp: %v", err)
	}
	if a.calls.Load() != 0 || b.calls.Load() != 0 {
		t.Error("introspection counted as calls")
	}
}
