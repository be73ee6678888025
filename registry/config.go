package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/harp-rpc/harp/internal/kvbucket"
	"github.com/nats-io/nats.go/jetstream"
)

// Config tunes the registry's bucket, heartbeats and limits. Start from DefaultConfig.
type Config struct {
	// Bucket is the JetStream KV bucket holding the announcements.
	Bucket string
	// Replicas is the bucket's replication factor: 1 on a single node, 3 on a three-node cluster.
	Replicas int
	// Beat is the time between heartbeats: each one rewrites the announcement with a fresh TTL.
	Beat time.Duration
	// TTL is how long an announcement lives without a heartbeat; a dead server's entry expires
	// after it. At least twice Beat, and at least one second (JetStream's TTL granularity).
	TTL time.Duration
	// OpTimeout bounds each store operation (a heartbeat, a removal).
	OpTimeout time.Duration
	// MaxEntrySize bounds one encoded announcement, in bytes.
	MaxEntrySize int
	// MaxEntries bounds the entries a Watcher keeps for one service.
	MaxEntries int
}

// DefaultConfig returns the defaults: bucket harp_registry, one replica, a heartbeat every
// second, a 3 s TTL, 2 s per store operation, 16 KiB per announcement and 10,000 entries per
// watched service.
func DefaultConfig() *Config {
	return &Config{
		Bucket:       "harp_registry",
		Replicas:     1,
		Beat:         time.Second,
		TTL:          3 * time.Second,
		OpTimeout:    2 * time.Second,
		MaxEntrySize: 16 << 10,
		MaxEntries:   10000,
	}
}

// VerifyConfig reports the first invalid field of c as a *ConfigError, nil when c is usable.
func VerifyConfig(c *Config) error {
	bad := func(field, reason string) error { return &ConfigError{Field: field, Reason: reason} }
	switch {
	case c == nil:
		return bad("Config", "is nil")
	case !kvbucket.ValidName(c.Bucket):
		return bad("Bucket", fmt.Sprintf("%q is not a bucket name ([A-Za-z0-9_-]+)", c.Bucket))
	case c.Replicas < 1 || c.Replicas > 5:
		return bad("Replicas", "must be 1 to 5")
	case c.Beat <= 0:
		return bad("Beat", "must be positive")
	case c.TTL < time.Second:
		return bad("TTL", "must be at least 1s")
	case c.TTL < 2*c.Beat:
		return bad("TTL", "must be at least twice Beat")
	case c.OpTimeout <= 0:
		return bad("OpTimeout", "must be positive")
	case c.MaxEntrySize < 256:
		return bad("MaxEntrySize", "must be at least 256")
	case c.MaxEntries < 1:
		return bad("MaxEntries", "must be at least 1")
	}
	return nil
}

func orDefault(c *Config) (*Config, error) {
	if c == nil {
		c = DefaultConfig()
	}
	if err := VerifyConfig(c); err != nil {
		return nil, err
	}
	return c, nil
}

// OpenBucket creates the registry's bucket, or binds to it when it exists, with per-key TTLs
// and markers so that watchers see an expired entry leave. It is what Announce and NewWatcher
// call; it is exported for tools that read the bucket themselves.
func OpenBucket(ctx context.Context, js jetstream.JetStream, c *Config) (jetstream.KeyValue, error) {
	c, err := orDefault(c)
	if err != nil {
		return nil, err
	}
	kv, err := kvbucket.Open(ctx, js, jetstream.KeyValueConfig{
		Bucket: c.Bucket, Description: "harp service registry", History: 1,
		Replicas: c.Replicas, Storage: jetstream.FileStorage, LimitMarkerTTL: c.TTL,
	})
	if err != nil {
		return nil, fmt.Errorf("registry: bucket %s: %w", c.Bucket, err)
	}
	return kv, nil
}
