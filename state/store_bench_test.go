package state

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/natsd"
)

func benchStore(b *testing.B) *store {
	cfg := natsd.DefaultConfig()
	cfg.Port, cfg.StoreDir = 0, b.TempDir()
	s, err := natsd.Start(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	st, err := openStore(context.Background(), nc, js, DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	return st
}

// BenchmarkLast is one read of a key's last message from the stream leader.
func BenchmarkLast(b *testing.B) {
	st := benchStore(b)
	ctx := context.Background()
	if _, err := st.js.Publish(ctx, st.pre+"d.k", []byte("<value>1</value>")); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := st.last(ctx, "d.k"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCommit is one atomic batch of n messages.
func BenchmarkCommit(b *testing.B) {
	for _, n := range []int{1, 2, 17} {
		b.Run(string(rune('0'+n/10))+string(rune('0'+n%10)), func(b *testing.B) {
			st := benchStore(b)
			ctx := context.Background()
			msgs := make([]msg, n)
			for i := range msgs {
				msgs[i] = msg{key: "x." + string(rune('a'+i)), data: []byte("<value>1</value>")}
			}
			for b.Loop() {
				if _, err := st.commit(ctx, msgs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPublish is one plain JetStream publish, for comparison.
func BenchmarkPublish(b *testing.B) {
	st := benchStore(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := st.js.Publish(ctx, st.pre+"d.k", []byte("<value>1</value>")); err != nil {
			b.Fatal(err)
		}
	}
}
