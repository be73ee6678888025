package oslo

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
)

// TestConnectionsClosedByBroker has the broker close every connection (rabbitmqctl
// close_all_connections): the server stops with a *TransportError (Done, Err), never a fault;
// the client dials again at its next call, which a new server answers.
func TestConnectionsClosedByBroker(t *testing.T) {
	r := peertest.SharedRabbit(t)
	if r.Node == "" {
		t.Skip("no rabbitmqctl for this broker (set HARP_RABBIT_NODE and HARP_RABBIT_HOME with HARP_RABBIT_URL)")
	}
	topic := "harp_reconnect_" + uuidHex()[:8]
	cfg := DefaultConfig(topic)
	s, err := Listen(context.Background(), r.URL, testCore(t, "r1"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := dialClient(t, r.URL, topic, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var sum int
	if err := c.Call(ctx, "add", map[string]int{"x": 1, "y": 2}, &sum); err != nil || sum != 3 {
		t.Fatalf("before: %d %v", sum, err)
	}
	if _, err := r.Ctl(ctx, "close_all_connections", "harp test"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not notice its connection closed")
	}
	var te *TransportError
	if err := s.Err(); !errors.As(err, &te) {
		t.Errorf("server Err = %v, want a *TransportError", err)
	}
	listen(t, r.URL, topic, "r2")
	deadline := time.Now().Add(10 * time.Second)
	for {
		err = c.Call(ctx, "add", map[string]int{"x": 2, "y": 2}, &sum)
		if err == nil || time.Now().After(deadline) {
			break
		}
		var re *RemoteError
		if errors.As(err, &re) {
			t.Fatalf("a lost connection read as a fault: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil || sum != 4 {
		t.Errorf("after the broker closed the connections: %d %v", sum, err)
	}
}
