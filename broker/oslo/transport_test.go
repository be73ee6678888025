package oslo

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
)

// TestRPCClientOverOslo drives the calling core (rpc.Client, JSON-RPC) through a Client as its
// Transport: named params to a Python server, positional params to a harp server, faults as
// *jsonrpc.Error with the oslo failure in Data, notifications as casts, XML-RPC refused unsent.
func TestRPCClientOverOslo(t *testing.T) {
	peertest.Oslo(t)
	r := peertest.SharedRabbit(t)
	topic := "harp_rt_" + uuidHex()[:8]
	startPyServers(t, r.URL, topic, "p1")
	listen(t, r.URL, topic+"_h", "h1")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	newRPC := func(topic string) *rpc.Client {
		rc, err := rpc.NewClient(dialClient(t, r.URL, topic, nil), &rpc.ClientConfig{
			Codec: rpc.NewJSONClientCodec(jsonrpc.EncodeOptions{}, jsonrpc.DecodeOptions{})})
		if err != nil {
			t.Fatal(err)
		}
		return rc
	}
	py, harp := newRPC(topic), newRPC(topic+"_h")
	var sum int
	if err := py.CallNamed(ctx, "add", &sum, map[string]int{"x": 20, "y": 22}); err != nil || sum != 42 {
		t.Errorf("Python add = %d, %v", sum, err)
	}
	if err := harp.Call(ctx, "add", &sum, 2, 3); err != nil || sum != 5 {
		t.Errorf("harp add(2, 3) = %d, %v", sum, err)
	}
	if err := harp.CallNamed(ctx, "norm1", &sum, map[string]int{"x": -1, "y": 2}); err != nil || sum != 3 {
		t.Errorf("harp norm1 = %d, %v", sum, err)
	}
	var je *jsonrpc.Error
	err := py.Call(ctx, "fail", nil)
	if !errors.As(err, &je) || je.Code != 1 || je.Message != "HarpError: boom from fail()" {
		t.Fatalf("Python fail: %v", err)
	}
	if d, ok := je.Data.(map[string]any); !ok || d["class"] != "HarpError" || d["module"] != "__main__" {
		t.Errorf("fault data %#v", je.Data)
	}
	if err := harp.Call(ctx, "fault", nil); !errors.As(err, &je) || je.Code != 4 || je.Message != "four" {
		t.Errorf("harp fault: %v", err)
	}
	if err := py.Call(ctx, "add", nil, 1, 2); !errors.As(err, &je) || je.Code != rpc.CodeInvalidParams {
		t.Errorf("positional to Python: %v", err)
	}
	if err := py.Notify(ctx, "record", map[string]int{"n": 1}); err != nil {
		t.Errorf("notify: %v", err)
	}
	xml, _ := rpc.NewClient(dialClient(t, r.URL, topic, nil), nil)
	var te *TransportError
	if err := xml.Call(ctx, "add", nil, 1, 2); !errors.As(err, &te) || !te.NotSent() || !errors.Is(err, ErrUnsupportedProtocol) {
		t.Errorf("XML-RPC over oslo: %v", err)
	}
}
