package oslo

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// TestBrokerModelOverOslo drives package broker's Client and Server through the oslo Transport:
// harp to harp (positional and named params, faults, prepare(server=), fanout, no server), and
// each against the Python peer.
func TestBrokerModelOverOslo(t *testing.T) {
	peertest.Oslo(t)
	r := peertest.SharedRabbit(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	bt, err := broker.Dial(ctx, r.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer bt.Close()
	topic := "harp_model_" + uuidHex()[:8]

	core := testCore(t, "m1")
	reg := core.Dispatcher().(*rpc.Registry)
	casts := make(chan string, 8)
	reg.MustRegister("record", func(ctx context.Context, p struct {
		N int `json:"n"`
	}) {
		casts <- broker.ContextFrom(ctx)["user_id"].(string)
	}, "")
	lt, err := NewTransport(ctx, r.URL, &TransportConfig{Methods: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer lt.Close()
	scfg := broker.DefaultServerConfig()
	scfg.Target = broker.Target{Topic: topic, Server: "m1"}
	srv, err := broker.NewServer(lt, reg, scfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(context.Background())

	ccfg := broker.DefaultClientConfig()
	ccfg.Target = broker.Target{Topic: topic}
	ccfg.Codec = rpc.NewJSONClientCodec(jsonrpc.EncodeOptions{}, jsonrpc.DecodeOptions{})
	c, err := broker.NewClient(bt, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	var sum int
	if err := c.Call(ctx, "add", &sum, 2, 3); err != nil || sum != 5 {
		t.Errorf("add(2, 3) = %d, %v", sum, err)
	}
	if err := c.CallNamed(ctx, "norm1", &sum, map[string]int{"x": 3, "y": -4}); err != nil || sum != 7 {
		t.Errorf("norm1 = %d, %v", sum, err)
	}
	if f, ok := broker.AsFault(c.Call(ctx, "fault", nil)); !ok || f.FaultCode() != 4 {
		t.Errorf("fault: %v", f)
	}
	m1, err := c.Prepare(broker.Prepare{Server: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	var who string
	if err := m1.Call(ctx, "whoami", &who); err != nil || who != "m1" {
		t.Errorf("whoami on m1 = %q, %v", who, err)
	}
	rctx := broker.WithContext(ctx, broker.RequestContext{"user_id": "u9"})
	if err := c.Cast(rctx, "record", map[string]int{"n": 1}); err != nil {
		t.Errorf("cast: %v", err)
	}
	if err := c.Fanout(rctx, "record", map[string]int{"n": 2}); err != nil {
		t.Errorf("fanout: %v", err)
	}
	for range 2 {
		select {
		case u := <-casts:
			if u != "u9" {
				t.Errorf("cast context user %q", u)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("casts not run")
		}
	}
	nobody, _ := broker.NewClient(bt, &broker.ClientConfig{Target: broker.Target{Topic: "harp_nobody"}, Codec: ccfg.Codec})
	if err := nobody.Call(ctx, "add", nil, 1, 2); !errors.Is(err, broker.ErrNoServer) {
		t.Errorf("nobody: %v", err)
	}

	// Python's RPCClient calls the broker.Server; the broker.Client calls a Python server.
	rs := runPyClient(t, r.URL, topic, []map[string]any{
		{"op": "call", "method": "add", "args": map[string]any{"x": 20, "y": 22}},
		{"op": "call", "method": "nope"},
	})
	if rs[0].OK != 42.0 || rs[1].Error == nil || rs[1].Error.ExcType != "NoSuchMethod" {
		t.Errorf("Python client to broker.Server: %+v %+v", rs[0], rs[1].Error)
	}
	ptopic := topic + "_py"
	startPyServers(t, r.URL, ptopic, "p1")
	pc, _ := broker.NewClient(bt, &broker.ClientConfig{Target: broker.Target{Topic: ptopic}, Codec: ccfg.Codec})
	if err := pc.CallNamed(ctx, "add", &sum, map[string]int{"x": 1, "y": 2}); err != nil || sum != 3 {
		t.Errorf("broker.Client to Python: %d, %v", sum, err)
	}
	if f, ok := broker.AsFault(pc.Call(ctx, "fail", nil)); !ok || f.FaultString() != "HarpError: boom from fail()" {
		t.Errorf("Python fail: %v", f)
	}

	// XML-RPC documents are translated too: one struct parameter is the keywords, positional
	// params travel as "0", "1"; the answer comes back as XML-RPC.
	xpy, _ := broker.NewClient(bt, &broker.ClientConfig{Target: broker.Target{Topic: ptopic}})
	if err := xpy.CallNamed(ctx, "add", &sum, map[string]int{"x": 4, "y": 5}); err != nil || sum != 9 {
		t.Errorf("XML-RPC to Python: %d, %v", sum, err)
	}
	var xf *xmlrpc.Fault
	if err := xpy.Call(ctx, "add", nil, 1, 2); !errors.As(err, &xf) || xf.Code != rpc.CodeInvalidParams {
		t.Errorf("XML-RPC positional to Python: %v", err)
	}
	xh, _ := broker.NewClient(bt, &broker.ClientConfig{Target: broker.Target{Topic: topic}})
	if err := xh.Call(ctx, "add", &sum, 40, 2); err != nil || sum != 42 {
		t.Errorf("XML-RPC to harp: %d, %v", sum, err)
	}
	var echoed string
	if err := xh.Call(ctx, "echo", &echoed, "hé"); err != nil || echoed != "hé" {
		t.Errorf("XML-RPC echo: %q, %v", echoed, err)
	}
	if err := xh.Call(ctx, "fault", nil); !errors.As(err, &xf) || xf.Code != 4 || xf.String != "four" {
		t.Errorf("XML-RPC fault: %v", err)
	}
}
