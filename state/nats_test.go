package state_test

import (
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/harp-rpc/harp/internal/natstest"
)

// startNATS starts an embedded single-node NATS server with JetStream on a free port and
// returns a connection to it; both end with the test.
func startNATS(t testing.TB) *nats.Conn {
	t.Helper()
	return natstest.Connect(t)
}
