package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// A JSON-RPC client (CPython's standard library) calls an XML-RPC-only CPython backend through a
// bridging route, and harp's JSON-RPC client too.
func TestBridgeJSONToXML(t *testing.T) {
	py := startPython(t, "py", "threaded", "")
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
pools:
  old: {backends: [{url: %q}], protocol: xmlrpc}
routes: [{pool: old}]
`, py.url), nil)
	out, err := exec.Command(peertest.Python(t), "testdata/pyjsonclient.py", gw.url).CombinedOutput()
	if err != nil {
		t.Fatalf("pyjsonclient: %v\n%s", err, out)
	}
	for _, want := range []string{
		`{"id": 1, "jsonrpc": "2.0", "result": 5}`,
		`{"id": "s", "jsonrpc": "2.0", "result": "py"}`,
		`{"error": {"code": 1, "message": "<class 'ValueError'>:no"}, "id": 7, "jsonrpc": "2.0"}`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pyjsonclient output lacks %s:\n%s", want, out)
		}
	}
	c := newClient(t, gw.url, client.WithJSONRPC())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var echo []any
	if err := c.Call(ctx, "add", &echo, []any{1, "a"}, []any{true, 2.5}); err != nil {
		t.Fatal(err) // lists concatenate in Python
	}
	if len(echo) != 4 || echo[0] != 1 || echo[1] != "a" || echo[2] != true || echo[3] != 2.5 {
		t.Errorf("add of two lists: %#v", echo)
	}
	err = c.Call(ctx, "fail", nil)
	var je *jsonrpc.Error
	if !errors.As(err, &je) || je.Code != 1 {
		t.Errorf("fail: %v", err)
	}
}

// An XML-RPC client calls a JSON-RPC-only pool (a harp server, told to be JSON-only here).
func TestBridgeXMLToJSON(t *testing.T) {
	b := newBackend(t, "j")
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
pools:
  j: {backends: [{url: %q}], protocol: jsonrpc}
routes: [{pool: j}]
`, b.url), nil)
	c := newClient(t, gw.url)
	var sum int
	if err := c.Call(context.Background(), "add", &sum, 40, 2); err != nil || sum != 42 {
		t.Fatalf("add: %d %v", sum, err)
	}
	err := c.Call(context.Background(), "fail", nil)
	var f *xmlrpc.Fault
	if !errors.As(err, &f) || f.Code != 42 {
		t.Errorf("fail: %v", err)
	}
	var who string
	if err := c.Call(context.Background(), "whoami", &who); err != nil || who != "j" {
		t.Errorf("whoami: %q %v", who, err)
	}
}
