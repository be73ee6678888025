package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/server"
)

func init() { registerServeExtra(brokerServeExtra) }

// brokerServeExtra is harp serve --nats URL --topic T (with --nats-server, --nats-exchange,
// --nats-in-flight, --nats-durable): the same services, served on a NATS topic beside HTTP.
func brokerServeExtra(fs *flag.FlagSet) serveExtraRun {
	natsURL := fs.String("nats", "", "also serve on the NATS broker at `URL` (nats://HOST:PORT), on --topic")
	topic := sharedStringFlag(fs, "topic", "harp", "the broker topic to serve (with --nats or another broker flag)")
	exchange := fs.String("nats-exchange", "", "the NATS exchange of --topic (default: \"default\")")
	name := fs.String("nats-server", "", "this server's name on the topic, for calls sent to it alone (default: host-pid-n)")
	inFlight := fs.Int("nats-in-flight", broker.DefaultServerConfig().MaxInFlight, "NATS calls run at once")
	durable := fs.Bool("nats-durable", false, "also run the topic's durable casts (JetStream)")
	return func(ctx context.Context, env *Env, srv *server.Server, _ string) (func() error, error) {
		if *natsURL == "" {
			return nil, nil
		}
		if !isBrokerURL(*natsURL) {
			return nil, usagef("--nats wants a nats:// URL, not %q", *natsURL)
		}
		tr, err := broker.Dial(ctx, *natsURL)
		if err != nil {
			return nil, err
		}
		cfg := broker.DefaultServerConfig()
		cfg.Target = broker.Target{Exchange: *exchange, Topic: topic(), Server: *name}
		cfg.MaxInFlight, cfg.Durable = *inFlight, *durable
		cfg.Logger = slog.New(slog.NewTextHandler(env.Stderr, nil))
		bs, err := broker.NewServer(tr, srv.Dispatcher(), cfg)
		if err != nil {
			tr.Close()
			return nil, usagef("%v", err)
		}
		if err := bs.Start(ctx); err != nil {
			tr.Close()
			return nil, err
		}
		fmt.Fprintf(env.Stderr, "harp: serving on broker topic %s at %s (durable casts: %v)\n", bs.Target(), *natsURL, *durable)
		return func() error {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := bs.Stop(sctx)
			tr.Close()
			return err
		}, nil
	}
}
