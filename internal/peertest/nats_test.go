package peertest

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestNATSCluster(t *testing.T) {
	for _, mode := range []string{"debian", "embedded"} {
		t.Run(mode, func(t *testing.T) {
			if mode == "debian" {
				Command(t, "nats-server")
			} else {
				t.Setenv(NATSServerEnv, "embedded")
			}
			c := StartNATSCluster(t, 3)
			if got := c.Nodes[0].Embedded; got != (mode == "embedded") {
				t.Fatalf("Embedded %v in mode %s", got, mode)
			}
			sub, err := nats.Connect(c.Nodes[0].ClientURL)
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Close()
			s, _ := sub.SubscribeSync("x")
			sub.Flush()
			pub, err := nats.Connect(c.URLs(), nats.DontRandomize())
			if err != nil {
				t.Fatal(err)
			}
			defer pub.Close()
			// Kill and restart the subscriber's node (it reconnects), and kill the publisher's
			// (it moves to another): messages still cross the routes.
			c.Nodes[0].Kill()
			if err := c.Nodes[0].Restart(context.Background()); err != nil {
				t.Fatal(err)
			}
			c.Nodes[1].Kill()
			if c.Nodes[1].Alive() {
				t.Fatal("killed node alive")
			}
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				pub.Publish("x", []byte("hi"))
				if m, err := s.NextMsg(100 * time.Millisecond); err == nil && string(m.Data) == "hi" {
					return
				}
			}
			t.Fatalf("no message after killing a node; node 0 log:\n%s", c.Nodes[0].Log())
		})
	}
}
