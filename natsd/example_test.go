package natsd_test

import (
	"context"
	"fmt"
	"os"

	"github.com/nats-io/nats.go"

	"github.com/harp-rpc/harp/natsd"
)

// Start a single node with JetStream on a free port, in a temporary store directory.
func Example() {
	dir, _ := os.MkdirTemp("", "natsd")
	defer os.RemoveAll(dir)
	cfg := natsd.DefaultConfig()
	cfg.Port = 0
	cfg.StoreDir = dir
	s, err := natsd.Start(context.Background(), cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Shutdown(context.Background())

	nc, _ := nats.Connect(s.ClientURL())
	defer nc.Close()
	nc.Subscribe("greet", func(m *nats.Msg) { m.Respond([]byte("hello, " + string(m.Data))) })
	answer, err := nc.Request("greet", []byte("world"), nats.DefaultTimeout)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(answer.Data), s.JetStream())
	// Output: hello, world true
}
