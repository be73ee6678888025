package cli

import (
	"context"
	"flag"
	"fmt"
	neturl "net/url"
	"time"

	"github.com/harp-rpc/harp/broker/oslo"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

func init() { registerServeExtra(amqpServeExtra) }

// amqpRedialMax bounds the wait between attempts to serve again after the broker connection
// was lost.
const amqpRedialMax = 30 * time.Second

// amqpServeExtra adds --amqp URL (with --topic, --amqp-server, --amqp-exchange,
// --amqp-in-flight) to harp serve: the same services, answered to oslo.messaging callers on
// RabbitMQ. A lost broker connection is dialled again, with a backoff up to 30 s.
func amqpServeExtra(fs *flag.FlagSet) serveExtraRun {
	url := fs.String("amqp", "", "also serve oslo.messaging callers on the RabbitMQ at `URL` (amqp://user:pass@host:port/vhost)")
	topic := sharedStringFlag(fs, "topic", "harp", "the broker topic to serve (with --amqp or another broker flag)")
	name := fs.String("amqp-server", "", "the server name within the topic, for prepare(server=...) calls (default: the host name)")
	exchange := fs.String("amqp-exchange", oslo.DefaultExchange, "the oslo control exchange")
	inFlight := fs.Int("amqp-in-flight", oslo.DefaultConfig("").MaxInFlight, "calls run at once from the broker (also its prefetch)")
	return func(ctx context.Context, env *Env, srv *server.Server, _ string) (func() error, error) {
		if *url == "" {
			return nil, nil
		}
		cfg := oslo.DefaultConfig(topic())
		cfg.Exchange, cfg.MaxInFlight = *exchange, *inFlight
		if *name != "" {
			cfg.Server = *name
		}
		if err := oslo.VerifyConfig(cfg); err != nil {
			return nil, usagef("--amqp: %v", err)
		}
		s, err := amqpListen(ctx, *url, srv.Core(), cfg)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(env.Stderr, "harp: serving oslo.messaging topic %s (server %s, exchange %s) on %s\n",
			cfg.Topic, cfg.Server, cfg.Exchange, redactURL(*url))
		done := make(chan error, 1)
		go func() { done <- amqpSupervise(ctx, env, s, *url, srv.Core(), cfg) }()
		return func() error { return <-done }, nil
	}
}

// amqpListen starts serving, bounded by 30 s.
func amqpListen(ctx context.Context, url string, core *rpc.Server, cfg *oslo.Config) (*oslo.Server, error) {
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return oslo.Listen(lctx, url, core, cfg)
}

// amqpSupervise serves until ctx ends, then stops gracefully; when the broker connection is
// lost, it serves again as soon as the broker takes it, waiting 1 s, 2 s, ... up to 30 s.
func amqpSupervise(ctx context.Context, env *Env, s *oslo.Server, url string, core *rpc.Server, cfg *oslo.Config) error {
	for {
		select {
		case <-ctx.Done():
			stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			return s.Shutdown(stop)
		case <-s.Done():
		}
		fmt.Fprintf(env.Stderr, "harp: oslo.messaging topic %s: %v; serving again once the broker is back\n", cfg.Topic, s.Err())
		for wait := time.Second; ; wait = min(2*wait, amqpRedialMax) {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
			next, err := amqpListen(ctx, url, core, cfg)
			if err == nil {
				s = next
				fmt.Fprintf(env.Stderr, "harp: serving oslo.messaging topic %s again\n", cfg.Topic)
				break
			}
		}
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
