package natsrpc

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/harp-rpc/harp/broker"
)

// Config configures a Transport. Start from DefaultConfig.
type Config struct {
	// URL is the NATS server URL, or several separated by commas (a cluster's nodes).
	URL string
	// Name names the connection in the server's monitoring.
	Name string
	// Prefix is the first token of every subject and stream name the transport uses.
	Prefix string
	// Exchange is the exchange of targets that name none.
	Exchange string
	// MaxReconnects bounds reconnection attempts after a lost connection (-1: no bound);
	// ReconnectWait is the pause between them.
	MaxReconnects int
	ReconnectWait time.Duration
	// ConnectTimeout bounds each attempt to connect.
	ConnectTimeout time.Duration
	// MaxDeliver bounds the deliveries of a durable cast: a cast whose method still fails
	// (or whose server died running it) at the MaxDeliver-th delivery is dead-lettered.
	MaxDeliver int
	// AckWait is how long a server may run a durable cast before JetStream redelivers it.
	AckWait time.Duration
	// Backoff is the pause before a failed durable cast is delivered again.
	Backoff time.Duration
	// Replicas is the JetStream replication of the durable-cast streams (3 on a 3-node cluster).
	Replicas int
	// StreamMaxBytes bounds each durable-cast stream (the work queue and the dead letters).
	StreamMaxBytes int64
	// DeadLetterMaxAge is how long a dead letter is kept.
	DeadLetterMaxAge time.Duration
	// MaxContextSize bounds the encoded request context a message may carry, in bytes.
	MaxContextSize int
	// Options are more nats.go options, applied after the transport's own.
	Options []nats.Option
}

// DefaultConfig returns the settings for a local broker: nats://127.0.0.1:4222, prefix
// "harp", exchange "default", reconnecting every 250 ms up to 240 times (a minute), 2 s
// connect timeout, durable casts delivered up to 5 times, 30 s to run one, 1 s between
// failed deliveries, one replica, 256 MiB per stream, dead letters kept 7 days, and 64 KiB
// of request context.
func DefaultConfig() *Config {
	return &Config{
		URL:              nats.DefaultURL,
		Name:             "harp",
		Prefix:           "harp",
		Exchange:         "default",
		MaxReconnects:    240,
		ReconnectWait:    250 * time.Millisecond,
		ConnectTimeout:   2 * time.Second,
		MaxDeliver:       5,
		AckWait:          30 * time.Second,
		Backoff:          time.Second,
		Replicas:         1,
		StreamMaxBytes:   256 << 20,
		DeadLetterMaxAge: 7 * 24 * time.Hour,
		MaxContextSize:   64 << 10,
	}
}

// Verify reports whether c is usable, with an error wrapping broker.ErrInvalidConfig if not.
func (c *Config) Verify() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: natsrpc: %s", broker.ErrInvalidConfig, fmt.Sprintf(format, args...))
	}
	switch {
	case c == nil:
		return bad("nil config")
	case c.Prefix == "" || c.Exchange == "":
		return bad("empty prefix or exchange")
	case c.MaxDeliver < 1:
		return bad("MaxDeliver %d must be at least 1", c.MaxDeliver)
	case c.AckWait <= 0 || c.Backoff < 0 || c.ConnectTimeout <= 0 || c.ReconnectWait <= 0:
		return bad("AckWait, ConnectTimeout and ReconnectWait must be positive, Backoff not negative")
	case c.Replicas < 1 || c.Replicas > 5:
		return bad("Replicas %d must be 1 to 5", c.Replicas)
	case c.StreamMaxBytes <= 0 || c.DeadLetterMaxAge <= 0 || c.MaxContextSize <= 0:
		return bad("stream and context limits must be positive")
	}
	// The prefix and exchange are names without dots, as a target's exchange is.
	if err := (broker.Target{Topic: "t", Exchange: c.Prefix, Server: c.Exchange}).Verify(); err != nil {
		return bad("prefix or exchange: %v", err)
	}
	return nil
}
