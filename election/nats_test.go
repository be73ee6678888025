package election_test

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/internal/natstest"
)

// startJS starts an embedded single-node NATS server with JetStream on a free port and returns
// a JetStream context on a connection to it; both end with the test.
func startJS(t testing.TB) jetstream.JetStream {
	t.Helper()
	js, _ := natstest.JetStream(t)
	return js
}
