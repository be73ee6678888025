package state_test

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/harp-rpc/harp/natsd"
)

// startJS starts an embedded single-node NATS server with JetStream on a free port and returns
// a connection to it; both end with the test.
func startNATS(t testing.TB) *nats.Conn {
	t.Helper()
	cfg := natsd.DefaultConfig()
	cfg.Port = 0
	cfg.StoreDir = t.TempDir()
	s, err := natsd.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}
