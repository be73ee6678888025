package cli

import (
	"context"
	"flag"
	"fmt"
	neturl "net/url"
	"time"

	"github.com/harp-rpc/harp/broker/oslo"
	"github.com/harp-rpc/harp/server"
)

func init() { registerServeExtra(amqpServeExtra) }

// amqpServeExtra adds --amqp URL (with --topic, --amqp-server, --amqp-exchange) to harp serve:
// the same services, answered to oslo.messaging callers on RabbitMQ.
func amqpServeExtra(fs *flag.FlagSet) serveExtraRun {
	url := fs.String("amqp", "", "also serve oslo.messaging callers on the RabbitMQ at `URL` (amqp://user:pass@host:port/vhost)")
	topic := sharedStringFlag(fs, "topic", "harp", "the broker topic to serve (with --amqp or another broker flag)")
	name := fs.String("amqp-server", "", "the server name within the topic, for prepare(server=...) calls (default: the host name)")
	exchange := fs.String("amqp-exchange", oslo.DefaultExchange, "the oslo control exchange")
	return func(ctx context.Context, env *Env, srv *server.Server, _ string) (func() error, error) {
		if *url == "" {
			return nil, nil
		}
		cfg := oslo.DefaultConfig(topic())
		cfg.Exchange = *exchange
		if *name != "" {
			cfg.Server = *name
		}
		if err := oslo.VerifyConfig(cfg); err != nil {
			return nil, usagef("--amqp: %v", err)
		}
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		s, err := oslo.Listen(sctx, *url, srv.Core(), cfg)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(env.Stderr, "harp: serving oslo.messaging topic %s (server %s, exchange %s) on %s\n",
			cfg.Topic, cfg.Server, cfg.Exchange, redactURL(*url))
		return func() error {
			select {
			case <-ctx.Done():
			case <-s.Done():
				return s.Err()
			}
			stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			return s.Shutdown(stop)
		}, nil
	}
}

// sharedStringFlag declares the string flag name on fs unless another file already did (a flag
// such as --topic is shared by the broker extras), and returns a reader of its value.
func sharedStringFlag(fs *flag.FlagSet, name, value, usage string) func() string {
	if fs.Lookup(name) == nil {
		fs.String(name, value, usage)
	}
	return func() string { return fs.Lookup(name).Value.String() }
}

// redactURL returns u with its password masked, for messages.
func redactURL(u string) string {
	p, err := neturl.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return p.Redacted()
}
