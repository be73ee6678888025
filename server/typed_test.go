package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/harp-rpc/harp/rpc"
)

// TestTypedFunc: methods registered as rpc.Func decode their parameters from XML-RPC and
// JSON-RPC calls like plain functions, and refuse parameters of the wrong type the same way.
func TestTypedFunc(t *testing.T) {
	reg := testRegistry(t, nil)
	reg.MustRegister("typed.add", rpc.Func2(func(_ context.Context, a, b int) (int, error) { return a + b, nil }), "")
	reg.MustRegister("typed.record", rpc.Func1(func(_ context.Context, r Record) (Record, error) { r.Count++; return r, nil }), "")
	_, url := newServer(t, reg, nil)

	var n int
	if err := call(t, url, "typed.add", &n, 2, 3); err != nil || n != 5 {
		t.Fatalf("typed.add(2, 3) = %d, %v", n, err)
	}
	var r Record
	if err := call(t, url, "typed.record", &r, Record{Name: "x", Count: 1}); err != nil || r.Name != "x" || r.Count != 2 {
		t.Fatalf("typed.record = %+v, %v", r, err)
	}
	for _, bad := range [][]any{{2, "three"}, {2}} {
		f := faultOf(t, call(t, url, "typed.add", &n, bad...))
		if f.Code != rpc.CodeInvalidParams {
			t.Fatalf("typed.add%v: fault %d %q, want %d", bad, f.Code, f.String, rpc.CodeInvalidParams)
		}
	}
	_, _, body := post(t, url, `{"jsonrpc":"2.0","method":"typed.add","params":[2,3],"id":1}`, "Content-Type", "application/json")
	if !strings.Contains(string(body), `"result":5`) {
		t.Fatalf("JSON-RPC typed.add: %s", body)
	}
}
