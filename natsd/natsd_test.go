package natsd_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/natsd"
)

func start(t *testing.T, mod func(*natsd.Config)) *natsd.Server {
	t.Helper()
	cfg := natsd.DefaultConfig()
	cfg.Port = 0
	cfg.StoreDir = t.TempDir()
	if mod != nil {
		mod(cfg)
	}
	s, err := natsd.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestStartJetStream(t *testing.T) {
	s := start(t, nil)
	if !strings.HasPrefix(s.ClientURL(), "nats://127.0.0.1:") || strings.HasSuffix(s.ClientURL(), ":4222") {
		t.Fatalf("ClientURL %q: want a free port on 127.0.0.1", s.ClientURL())
	}
	if !s.JetStream() {
		t.Fatal("JetStream not enabled")
	}
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, "k")
	if err != nil || string(e.Value()) != "v" {
		t.Fatalf("Get: %v %v", e, err)
	}
}

func TestMaxPayload(t *testing.T) {
	s := start(t, func(c *natsd.Config) { c.MaxPayload = 1024 })
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := nc.Publish("x", make([]byte, 2048)); !errors.Is(err, nats.ErrMaxPayload) {
		t.Fatalf("publish of 2 KiB over a 1 KiB limit: %v, want ErrMaxPayload", err)
	}
}

func TestVerify(t *testing.T) {
	for name, mod := range map[string]func(*natsd.Config){
		"no store":     func(c *natsd.Config) { c.StoreDir = "" },
		"port":         func(c *natsd.Config) { c.Port = 70000 },
		"payload":      func(c *natsd.Config) { c.MaxPayload = 0 },
		"routes alone": func(c *natsd.Config) { c.Routes = []string{"nats-route://127.0.0.1:1"} },
		"bad route":    func(c *natsd.Config) { c.ClusterName = "c"; c.Routes = []string{"http://x:1"} },
		"timeout":      func(c *natsd.Config) { c.StartTimeout = 0 },
		"js no routes": func(c *natsd.Config) { c.ClusterName = "c" },
	} {
		cfg := natsd.DefaultConfig()
		cfg.StoreDir = t.TempDir()
		mod(cfg)
		if _, err := natsd.Start(context.Background(), cfg); !errors.Is(err, natsd.ErrInvalidConfig) {
			t.Errorf("%s: Start: %v, want ErrInvalidConfig", name, err)
		}
	}
	cfg := natsd.DefaultConfig()
	cfg.JetStream = false
	if err := cfg.Verify(); err != nil {
		t.Errorf("no JetStream, no store: %v", err)
	}
}

func TestStartCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg := natsd.DefaultConfig()
	cfg.Port = 0
	cfg.StoreDir = t.TempDir()
	// A cancelled context may still see a server that was ready at once; either outcome is
	// clean, but an error must say why.
	s, err := natsd.Start(ctx, cfg)
	if err != nil {
		if !errors.Is(err, natsd.ErrNotReady) || !errors.Is(err, context.Canceled) {
			t.Fatalf("Start: %v, want ErrNotReady wrapping Canceled", err)
		}
		return
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

func TestCluster(t *testing.T) {
	ports := freePorts(t, 3)
	var routes []string
	for _, p := range ports {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", p))
	}
	var nodes []*natsd.Server
	for i, p := range ports {
		nodes = append(nodes, start(t, func(c *natsd.Config) {
			c.Name = fmt.Sprint("n", i)
			c.ClusterName = "c"
			c.ClusterPort = p
			c.Routes = routes
		}))
	}
	deadline := time.Now().Add(10 * time.Second)
	for nodes[0].NumRoutes() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if nodes[0].NumRoutes() < 2 {
		t.Fatalf("node 0 has %d routes, want 2", nodes[0].NumRoutes())
	}
	if nodes[0].ClusterURL() != routes[0] {
		t.Errorf("ClusterURL %q, want %q", nodes[0].ClusterURL(), routes[0])
	}
	// Clustered JetStream elects a meta leader and takes a replicated stream.
	nc, err := nats.Connect(nodes[2].ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for _, n := range nodes {
		if err := n.WaitJetStream(ctx); err != nil {
			t.Fatal(err)
		}
	}
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}, Replicas: 3})
	if err != nil {
		t.Fatalf("replicated stream: %v", err)
	}
	// A message published on one node reaches a subscriber on another.
	sub, err := nats.Connect(nodes[0].ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	s, err := sub.SubscribeSync("hello")
	if err != nil {
		t.Fatal(err)
	}
	sub.Flush()
	pub, err := nats.Connect(nodes[1].ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	for i := 0; i < 100; i++ { // the subscription's interest may take a moment to propagate
		pub.Publish("hello", []byte("x"))
		if m, err := s.NextMsg(50 * time.Millisecond); err == nil && string(m.Data) == "x" {
			return
		}
	}
	t.Fatal("no message crossed the cluster")
}

func TestWaitJetStreamOff(t *testing.T) {
	s := start(t, func(c *natsd.Config) { c.JetStream = false; c.StoreDir = "" })
	if s.JetStream() {
		t.Fatal("JetStream on")
	}
	if err := s.WaitJetStream(context.Background()); !errors.Is(err, natsd.ErrNotReady) {
		t.Fatalf("WaitJetStream: %v, want ErrNotReady", err)
	}
}
