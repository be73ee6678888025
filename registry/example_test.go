package registry_test

import (
	"context"
	"fmt"
	"os"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/natsd"
	"github.com/harp-rpc/harp/registry"
)

// An instance announces itself and a watcher sees it join and leave.
func Example() {
	dir, _ := os.MkdirTemp("", "registry")
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

	w, err := registry.NewWatcher(ctx, js, "calc", nil, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Close()
	events, stop := w.Subscribe(8)
	defer stop()

	an, err := registry.Announce(ctx, js, registry.Announcement{
		Service: "calc", ID: "calc-1", URL: "http://127.0.0.1:8000/RPC2", Protocol: "xmlrpc",
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	ev := <-events
	fmt.Println(ev.Kind, ev.Announcement.ID, ev.Announcement.URL)
	eps, _ := w.Resolve(ctx)
	fmt.Println(len(eps), eps[0].Metadata["protocol"])
	an.Close(ctx)
	ev = <-events
	fmt.Println(ev.Kind, ev.Announcement.ID)
	// Output:
	// joined calc-1 http://127.0.0.1:8000/RPC2
	// 1 xmlrpc
	// left calc-1
}
