package cli

import (
	"context"
	"strings"
	"testing"
	"time"
)

// waitOutput waits until b holds want, or fails t.
func waitOutput(t *testing.T, b *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(b.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in:\n%s", want, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// harp broker runs a broker; harp serve --nats serves the demo services on a topic of it; harp
// cast, fanout and the call hook reach them; bad command lines exit 2.
func TestBrokerServeCastFanout(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var bout, berr syncBuffer
	bdone := make(chan int, 1)
	go func() {
		bdone <- Main(ctx, []string{"broker", "--listen", "127.0.0.1:0", "--store", t.TempDir()}, &bout, &berr)
	}()
	waitOutput(t, &bout, "nats://")
	url := strings.TrimSpace(bout.String())

	sctx, scancel := context.WithCancel(ctx)
	var serr syncBuffer
	sdone := make(chan int, 1)
	go func() {
		sdone <- Main(sctx, []string{"serve", "--addr", "127.0.0.1:0", "--nats", url, "--topic", "demo",
			"--nats-server", "one", "--nats-durable"}, &syncBuffer{}, &serr)
	}()
	waitOutput(t, &serr, "serving on broker topic demo@one")

	c, closeFn, ok, err := brokerCaller(ctx, url+"/demo", false, 5*time.Second)
	if !ok || err != nil {
		t.Fatalf("brokerCaller: %v %v", ok, err)
	}
	defer closeFn()
	var sum int
	if err := c.Call(ctx, "add", &sum, 2, 3); err != nil || sum != 5 {
		t.Fatalf("add over NATS: %d %v", sum, err)
	}
	if _, _, ok, _ := brokerCaller(ctx, "http://127.0.0.1:1/RPC2", false, time.Second); ok {
		t.Fatal("an HTTP URL taken for a broker's")
	}

	run := func(args ...string) (int, string) {
		var out, errb syncBuffer
		code := Main(ctx, args, &out, &errb)
		return code, out.String() + errb.String()
	}
	for _, args := range [][]string{
		{"cast", url + "/demo", "counter.record", "a"},
		{"cast", "--durable", url + "/demo", "counter.record", "b"},
		{"cast", url + "/demo?server=one", "counter.record", "c"},
		{"fanout", url + "/demo", "counter.record", "d"},
		{"cast", "--jsonrpc", url + "/demo", "counter.record", "e"},
	} {
		if code, out := run(args...); code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, out)
		}
	}
	// Each ran once on the one server.
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			var n int
			if err := c.Call(ctx, "counter.count", &n, id); err != nil {
				t.Fatal(err)
			}
			if n == 1 {
				break
			}
			if n > 1 || time.Now().After(deadline) {
				t.Fatalf("counter.record(%s) ran %d times", id, n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, args := range [][]string{
		{"cast", "http://127.0.0.1:1/RPC2", "add"},
		{"cast", url, "add"},
		{"cast", url + "/a b", "add"},
		{"fanout", url + "/demo"},
		{"broker", "--listen", "nohost"},
	} {
		if code, out := run(args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, code, ExitUsage, out)
		}
	}
	// Nobody serves another topic: a call fails at once as not sent (exit 3).
	other, closeOther, _, err := brokerCaller(ctx, url+"/nobody", false, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer closeOther()
	if err := other.Call(ctx, "add", nil, 1, 2); exitCode(err) != ExitFailure || !strings.Contains(err.Error(), "nobody serves") {
		t.Fatalf("call to an unserved topic: %v (exit %d)", err, exitCode(err))
	}
	if err := c.Call(ctx, "div", nil, 1, 0); exitCode(err) != ExitFault {
		t.Fatalf("div by zero over NATS: %v (exit %d), want a fault", err, exitCode(err))
	}

	scancel()
	if code := <-sdone; code != ExitOK {
		t.Errorf("serve exit %d: %s", code, serr.String())
	}
	cancel()
	if code := <-bdone; code != ExitOK {
		t.Errorf("broker exit %d: %s", code, berr.String())
	}
}
