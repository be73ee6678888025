package oslo

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/rpc"
)

func TestMain(m *testing.M) {
	code := m.Run()
	peertest.StopSharedRabbit()
	peertest.Report()
	os.Exit(code)
}

// pyURL returns the broker URL as oslo.messaging spells it (rabbit://).
func pyURL(amqpURL string) string { return "rabbit" + amqpURL[len("amqp"):] }

// point is a struct parameter: keyword arguments bind to its fields by json tag.
type point struct {
	X int `json:"x"`
	Y int `json:"y"`
}

// testCore returns a serving core with the methods the tests call.
func testCore(t testing.TB, name string) *rpc.Server {
	t.Helper()
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	reg.MustRegister("add", func(x, y int) int { return x + y }, "add(x, y): positional, bound in the order written.")
	reg.MustRegister("norm1", func(p point) int { return abs(p.X) + abs(p.Y) }, "norm1(x=, y=): one struct.")
	reg.MustRegister("whoami", func() string { return name }, "")
	reg.MustRegister("fail", func() error { return errors.New("boom from fail()") }, "")
	reg.MustRegister("fault", func() error { return &rpc.Error{Code: 4, Message: "four"} }, "")
	reg.MustRegister("context", func(ctx context.Context) map[string]any {
		m := map[string]any{"request_id": rpc.RequestID(ctx)}
		for k, v := range RequestContext(ctx) {
			m["ctx_"+k] = v
		}
		if len(broker.ContextFrom(ctx)) != len(RequestContext(ctx)) {
			m["mismatch"] = true
		}
		return m
	}, "")
	reg.MustRegister("slow", func(ctx context.Context, secs float64) (float64, error) {
		select {
		case <-time.After(time.Duration(secs * float64(time.Second))):
			return secs, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}, "")
	reg.MustRegister("echo", func(s string) string { return s }, "")
	srv, err := rpc.NewServer(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// listen starts a harp Server for topic/server on the shared broker, stopped at cleanup.
func listen(t testing.TB, url, topic, server string) *Server {
	t.Helper()
	cfg := DefaultConfig(topic)
	cfg.Server = server
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := Listen(ctx, url, testCore(t, server), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s
}
