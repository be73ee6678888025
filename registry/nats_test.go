package registry_test

import (
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/internal/natstest"
)

// startJS starts an embedded single-node NATS server with JetStream on a free port and returns
// a JetStream context on a connection to it; both end with the test.
func startJS(t testing.TB) (jetstream.JetStream, *nats.Conn) {
	t.Helper()
	return natstest.JetStream(t)
}
