// Package natstest starts the embedded NATS server (natsd) for tests: one node with JetStream
// on a free 127.0.0.1 port, its store in the test's temporary directory, shut down with the test.
package natstest

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/natsd"
)

// Start starts a single-node server with JetStream for t.
func Start(t testing.TB) *natsd.Server {
	t.Helper()
	cfg := natsd.DefaultConfig()
	cfg.Port = 0
	cfg.StoreDir = t.TempDir()
	s, err := natsd.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	return s
}

// Connect starts a server as Start does and returns a connection to it, closed with t.
func Connect(t testing.TB) *nats.Conn {
	t.Helper()
	return Dial(t, Start(t))
}

// Dial returns a connection to s, closed with t.
func Dial(t testing.TB, s *natsd.Server) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// JetStream starts a server as Start does and returns a JetStream context on a connection to it,
// and the connection.
func JetStream(t testing.TB) (jetstream.JetStream, *nats.Conn) {
	t.Helper()
	return JetStreamOf(t, Start(t))
}

// JetStreamOf returns a JetStream context on a new connection to s, and the connection.
func JetStreamOf(t testing.TB, s *natsd.Server) (jetstream.JetStream, *nats.Conn) {
	t.Helper()
	nc := Dial(t, s)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js, nc
}
