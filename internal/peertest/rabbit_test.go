package peertest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// TestStartRabbit starts a private node, logs in, lists it with rabbitmqctl and stops it by PID,
// checking that nothing of it is left listening.
func TestStartRabbit(t *testing.T) {
	if _, err := os.Stat(rabbitScript); err != nil {
		Missing(t, "rabbitmq-server not installed")
	}
	start := time.Now()
	r, err := StartRabbit(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("RabbitMQ ready in %v at %s", time.Since(start).Round(time.Millisecond), r.URL)
	conn, err := amqp.Dial(r.URL)
	if err != nil {
		r.Stop()
		t.Fatal(err)
	}
	if v := conn.Properties["version"]; v == nil {
		t.Errorf("no server version in %v", conn.Properties)
	}
	conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := r.Ctl(ctx, "list_vhosts")
	if err != nil || !strings.Contains(string(out), "/") {
		t.Errorf("rabbitmqctl list_vhosts = %q, %v", out, err)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if c, err := amqp.Dial(r.URL); err == nil {
		c.Close()
		t.Fatal("broker still answers after Stop")
	}
}
