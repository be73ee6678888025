package oslo

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/rpc"
)

// startPyServers starts Python oslo.messaging RPC servers named names on topic.
func startPyServers(t *testing.T, url, topic string, names ...string) []*peertest.OsloProcess {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var ps []*peertest.OsloProcess
	for _, n := range names {
		ps = append(ps, peertest.StartOslo(ctx, t, "testdata/oslo_server.py", pyURL(url), topic, n))
	}
	return ps
}

// dialClient returns a Client for topic, closed at cleanup; edit changes its config first.
func dialClient(t testing.TB, url, topic string, edit func(*ClientConfig)) *Client {
	t.Helper()
	cfg := DefaultClientConfig(topic)
	if edit != nil {
		edit(cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Dial(ctx, url, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestHarpClientCallsPythonServer has a harp Client call Python oslo.messaging servers: results,
// Python exceptions read back as faults, prepare(server=), the request context, casts and
// fanout seen by the servers, and a topic nobody serves.
func TestHarpClientCallsPythonServer(t *testing.T) {
	peertest.Oslo(t)
	r := peertest.SharedRabbit(t)
	topic := "harp_pyserver_" + uuidHex()[:8]
	ps := startPyServers(t, r.URL, topic, "p1", "p2")
	c := dialClient(t, r.URL, topic, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var sum int
	if err := c.Call(ctx, "add", map[string]int{"x": 2, "y": 3}, &sum); err != nil || sum != 5 {
		t.Errorf("add = %d, %v", sum, err)
	}
	var re *RemoteError
	err := c.Call(ctx, "fail", nil, nil)
	if !errors.As(err, &re) || re.Failure.Class != "HarpError" || re.Failure.Module != "__main__" ||
		re.Failure.Message != "boom from fail()" || re.Code != 1 || len(re.Failure.Traceback) < 2 {
		t.Errorf("fail: %v (%+v)", err, re)
	}
	err = c.Call(ctx, "value_error", nil, nil)
	if !errors.As(err, &re) || re.Failure.Class != "ValueError" || re.Failure.Module != "builtins" ||
		len(re.Failure.Args) != 2 || re.Failure.Args[1] != 42.0 {
		t.Errorf("value_error: %v (%+v)", err, re)
	}
	err = c.Call(ctx, "nope", nil, nil)
	if !errors.As(err, &re) || re.Code != rpc.CodeMethodNotFound || re.FaultString() != "NoSuchMethod: Endpoint does not support RPC method nope" {
		t.Errorf("nope: %v", err)
	}
	err = c.Call(ctx, "add", map[string]int{"x": 1}, nil)
	if !errors.As(err, &re) || re.Code != rpc.CodeInvalidParams {
		t.Errorf("add(x=1): %v", err)
	}
	for _, name := range []string{"p2", "p1", "p2"} {
		var who string
		if err := c.Prepare(Target{Server: name}).Call(ctx, "whoami", nil, &who); err != nil || who != name {
			t.Errorf("prepare(server=%s).whoami = %q, %v", name, who, err)
		}
	}
	var got map[string]any
	cctx := rpc.WithRequestID(WithRequestContext(ctx, map[string]any{"user_id": "u1", "roles": []string{"a"}}), "req-7")
	if err := c.Call(cctx, "context", nil, &got); err != nil {
		t.Fatal(err)
	}
	if js, _ := json.Marshal(got); string(js) != `{"client_timeout":null,"request_id":"req-7","roles":["a"],"user_id":"u1"}` {
		t.Errorf("context seen by Python: %s", js)
	}

	if err := c.Cast(cctx, "record", map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	if err := c.Fanout(cctx, "record", map[string]int{"n": 2}); err != nil {
		t.Fatal(err)
	}
	casts := 0
	for _, p := range ps {
		ectx, ecancel := context.WithTimeout(ctx, 300*time.Millisecond)
		for {
			l, err := p.Expect(ectx, `{"cast"`)
			if err != nil {
				break
			}
			casts++
			if !strings.Contains(l, `"user": "u1"`) {
				t.Errorf("cast line %s", l)
			}
		}
		ecancel()
	}
	if casts != 3 {
		t.Errorf("Python servers ran %d casts, want 3 (the cast once, the fanout twice)", casts)
	}
	if err := c.Fanout(ctx, "record", nil); err != nil {
		t.Errorf("fanout: %v", err)
	}
	if _, err := c.Prepare(Target{Fanout: true}).CallRaw(ctx, "whoami", nil); !errors.Is(err, ErrInvalidTarget) {
		t.Errorf("call on a fanout target: %v", err)
	}
}

// TestNobodyServes calls a topic with no queue: a mandatory call fails at once as not sent, a
// non-mandatory one times out as oslo's does.
func TestNobodyServes(t *testing.T) {
	r := peertest.SharedRabbit(t)
	ctx := context.Background()
	start := time.Now()
	err := dialClient(t, r.URL, "harp_nobody", nil).Call(ctx, "add", nil, nil)
	var ue *UnroutableError
	if !errors.As(err, &ue) || !ue.NotSent() || time.Since(start) > time.Second {
		t.Errorf("mandatory call to nobody: %v after %v", err, time.Since(start))
	}
	c := dialClient(t, r.URL, "harp_nobody", func(c *ClientConfig) { c.Mandatory = false; c.Timeout = 500 * time.Millisecond })
	start = time.Now()
	err = c.Call(ctx, "add", nil, nil)
	var te *TimeoutError
	if !errors.As(err, &te) || !te.Timeout() || te.NotSent() || time.Since(start) < 500*time.Millisecond {
		t.Errorf("call to nobody: %v after %v", err, time.Since(start))
	}
	if err := dialClient(t, r.URL, "harp_nobody", nil).Cast(ctx, "add", nil); !errors.As(err, &ue) {
		t.Errorf("mandatory cast to nobody: %v", err)
	}
}

// TestCallMonitor runs a call longer than the call monitor's timeout both ways: the servers'
// heartbeats keep it alive; without them the caller gives up after the monitor's timeout.
func TestCallMonitor(t *testing.T) {
	peertest.Oslo(t)
	r := peertest.SharedRabbit(t)
	topic := "harp_monitor_" + uuidHex()[:8]
	startPyServers(t, r.URL, topic, "p1")
	c := dialClient(t, r.URL, topic, func(c *ClientConfig) { c.MonitorTimeout = 2 * time.Second; c.Timeout = 20 * time.Second })
	var secs float64
	if err := c.Call(context.Background(), "slow", map[string]float64{"secs": 3}, &secs); err != nil || secs != 3 {
		t.Errorf("harp client, Python server: slow(3) with a 2 s monitor = %v, %v", secs, err)
	}
	htopic := "harp_hmonitor_" + uuidHex()[:8]
	listen(t, r.URL, htopic, "h1")
	rs := runPyClient(t, r.URL, htopic, []map[string]any{
		{"op": "call", "method": "slow", "args": map[string]any{"secs": 3}, "monitor": 2, "timeout": 20},
		{"op": "call", "method": "slow", "args": map[string]any{"secs": 1.5}, "timeout": 1},
	})
	if rs[0].Error != nil || rs[0].OK != 3.0 {
		t.Errorf("Python client, harp server: slow(3) with a 2 s monitor: %+v", rs[0])
	}
	if rs[1].Error == nil || rs[1].Error.Type != "MessagingTimeout" {
		t.Errorf("Python client, harp server: slow(1.5) with timeout 1: %+v", rs[1])
	}
	// Harp to harp: the harp server's heartbeats keep the harp client waiting.
	hc := dialClient(t, r.URL, htopic, func(c *ClientConfig) { c.MonitorTimeout = 2 * time.Second })
	if err := hc.Call(context.Background(), "slow", map[string]float64{"secs": 2.5}, &secs); err != nil {
		t.Errorf("harp client, harp server: slow(2.5) with a 2 s monitor: %v", err)
	}
}
