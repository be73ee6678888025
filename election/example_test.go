package election_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/election"
	"github.com/harp-rpc/harp/natsd"
)

// Two instances campaign; the master resigns and the other takes over; the old master's fenced
// write is refused.
func Example() {
	dir, _ := os.MkdirTemp("", "election")
	defer os.RemoveAll(dir)
	cfg := natsd.DefaultConfig()
	cfg.Port, cfg.StoreDir = 0, dir
	srv, err := natsd.Start(context.Background(), cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown(context.Background())
	nc, _ := nats.Connect(srv.ClientURL())
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()

	a, _ := election.New(ctx, js, "calc", "a", nil)
	defer a.Close(ctx)
	for !a.IsMaster() {
		time.Sleep(time.Millisecond)
	}
	b, _ := election.New(ctx, js, "calc", "b", nil)
	defer b.Close(ctx)
	fence, _ := a.Fence()
	_, err = a.Put(ctx, fence, "owner", []byte("a"))
	fmt.Println("a writes:", err)

	a.Resign(ctx)
	for !b.IsMaster() {
		time.Sleep(time.Millisecond)
	}
	fmt.Println("b is master:", b.IsMaster(), "a is master:", a.IsMaster())
	_, err = a.Put(ctx, fence, "owner", []byte("a again"))
	fmt.Println("a's stale write refused:", errors.Is(err, election.ErrNotMaster))
	// Output:
	// a writes: <nil>
	// b is master: true a is master: false
	// a's stale write refused: true
}
