package cli

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/broker/oslo"
	"github.com/harp-rpc/harp/internal/peertest"
)

// TestServeAMQP runs harp serve --amqp --topic and calls the demo services over the broker as
// oslo.messaging does: keyword arguments bound positionally, a fault as a RemoteError, and
// prepare(server=) by the --amqp-server name.
func TestServeAMQP(t *testing.T) {
	r := peertest.RabbitFor(t)
	topic := "harp_cli_" + strings.ReplaceAll(t.Name(), "/", "_")
	serveInBackground(t, "--amqp", r.URL, "--topic", topic, "--amqp-server", "cli1")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg := oslo.DefaultClientConfig(topic)
	c, err := oslo.Dial(ctx, r.URL, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var sum int
	// serveInBackground returns once HTTP is served; the broker extra may still be declaring.
	var ue *oslo.UnroutableError
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if err = c.Prepare(oslo.Target{Server: "cli1"}).Call(ctx, "add", map[string]int{"x": 0, "y": 0}, nil); !errors.As(err, &ue) {
			break
		}
	}
	if err := c.Call(ctx, "add", map[string]int{"x": 2, "y": 3}, &sum); err != nil || sum != 5 {
		t.Errorf("add(x=2, y=3) = %d, %v", sum, err)
	}
	if err := c.Prepare(oslo.Target{Server: "cli1"}).Call(ctx, "add", map[string]int{"x": 1, "y": 1}, &sum); err != nil || sum != 2 {
		t.Errorf("prepare(server=cli1).add = %d, %v", sum, err)
	}
	var q float64
	err = c.Call(ctx, "div", map[string]int{"x": 1, "y": 0}, &q)
	var re *oslo.RemoteError
	if !errors.As(err, &re) || re.Failure.Module != oslo.ModuleHarp {
		t.Errorf("div by zero: %v, want a RemoteError from harp", err)
	}
	// The broker closes every connection: harp serve serves again, the client dials again.
	if r.Node != "" {
		if _, err := r.Ctl(ctx, "close_all_connections", "harp test"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for err = errors.New("not yet"); err != nil && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			err = c.Call(ctx, "add", map[string]int{"x": 3, "y": 4}, &sum)
		}
		if err != nil || sum != 7 {
			t.Errorf("after the broker closed the connections: %d, %v", sum, err)
		}
	}
	// harp cast and fanout reach it through broker.Dial's amqp:// scheme.
	if code, out, errs := harp("fanout", r.URL+topic, "echo", "hi"); code != ExitOK {
		t.Errorf("harp fanout: %d %q %q", code, out, errs)
	}
	if code, out, errs := harp("cast", r.URL+"harp_cli_nobody", "echo", "hi"); code != ExitFailure || !strings.Contains(errs, "nobody serves") {
		t.Errorf("harp cast to nobody: %d %q %q", code, out, errs)
	}
}
