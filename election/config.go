package election

import (
	"context"
	"fmt"
	"time"

	"github.com/harp-rpc/harp/internal/kvbucket"
	"github.com/nats-io/nats.go/jetstream"
)

// Config tunes an election. Start from DefaultConfig.
type Config struct {
	// Bucket is the JetStream KV bucket holding the lease and term keys. A service whose writes
	// are fenced keeps its data in the same bucket (the store checks the term key on each write).
	Bucket string
	// Replicas is the bucket's replication factor when the election creates it.
	Replicas int
	// Beat is the time between lease renewals, and between a standby's tries to take over.
	Beat time.Duration
	// TTL is the lease's life without a renewal: a standby takes over at most TTL (plus the
	// store's expiry granularity and a Beat) after the master's last renewal. At least twice
	// Beat and at least one second.
	TTL time.Duration
	// OpTimeout bounds each store operation.
	OpTimeout time.Duration
}

// DefaultConfig returns the defaults: bucket harp_election, one replica, a renewal every second,
// a 3 s lease and 2 s per store operation.
func DefaultConfig() *Config {
	return &Config{Bucket: "harp_election", Replicas: 1, Beat: time.Second, TTL: 3 * time.Second, OpTimeout: 2 * time.Second}
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
	case c.OpTimeout <= 0 || c.OpTimeout > c.TTL:
		return bad("OpTimeout", "must be positive and at most TTL")
	}
	return nil
}

// OpenBucket binds to cfg.Bucket, creating it with per-key TTLs and expiry markers when it does
// not exist.
func OpenBucket(ctx context.Context, js jetstream.JetStream, cfg *Config) (jetstream.KeyValue, error) {
	if err := VerifyConfig(cfg); err != nil {
		return nil, err
	}
	kv, err := kvbucket.Open(ctx, js, jetstream.KeyValueConfig{
		Bucket: cfg.Bucket, Description: "harp leader election", History: 1,
		Replicas: cfg.Replicas, Storage: jetstream.FileStorage, LimitMarkerTTL: cfg.TTL,
	})
	if err != nil {
		return nil, fmt.Errorf("election: bucket %s: %w", cfg.Bucket, err)
	}
	return kv, nil
}
