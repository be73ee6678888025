package state

import (
	"errors"
	"fmt"
	"time"

	"github.com/harp-rpc/harp/election"
)

// Config tunes a state service. Start from DefaultConfig.
type Config struct {
	// Bucket is the JetStream KV bucket holding the data, the idempotency records and the
	// election of the service's instances (which must share it for the fencing to hold).
	Bucket string
	// Replicas is the bucket's replication factor: 1 on a single node, 3 on a three-node
	// cluster (a write is then acknowledged once a majority stored it).
	Replicas int
	// Group names the master/standby group of the instances serving Bucket.
	Group string
	// ID names this instance in the election; "" picks one.
	ID string
	// Beat and TTL are the election's lease renewal period and lease life.
	Beat, TTL time.Duration
	// OpTimeout bounds each store operation; a write not confirmed within it is answered with
	// CodeUncertain.
	OpTimeout time.Duration
	// IdempotencyTTL is how long an idempotency key is remembered: a retry within it returns the
	// first answer without applying the operation again.
	IdempotencyTTL time.Duration
	// MaxKeyLen, MaxValueSize, MaxKeys and MaxTTL bound a key, one encoded value, the keys
	// answered by one keys call and a per-key TTL.
	MaxKeyLen    int
	MaxValueSize int
	MaxKeys      int
	MaxTTL       time.Duration
	// MaxBatch bounds the operations committed in one atomic batch (group commit).
	MaxBatch int
	// MaxQueue bounds the writes waiting for the writer; more are refused with CodeRetry.
	MaxQueue int
}

// DefaultConfig returns the defaults: bucket harp_state, one replica, group "state", a 1 s beat
// and 3 s lease, 2 s per store operation, idempotency keys remembered for 10 minutes, keys up to
// 256 bytes, values up to 256 KiB encoded, 10,000 keys per keys call, TTLs up to 30 days, 128
// operations per batch and 4,096 queued writes.
func DefaultConfig() *Config {
	return &Config{
		Bucket: "harp_state", Replicas: 1, Group: "state",
		Beat: time.Second, TTL: 3 * time.Second, OpTimeout: 2 * time.Second,
		IdempotencyTTL: 10 * time.Minute,
		MaxKeyLen:      256, MaxValueSize: 256 << 10, MaxKeys: 10000, MaxTTL: 30 * 24 * time.Hour,
		MaxBatch: 128, MaxQueue: 4096,
	}
}

// VerifyConfig reports the first invalid field of c as a *ConfigError, nil when c is usable.
func VerifyConfig(c *Config) error {
	bad := func(field, reason string) error { return &ConfigError{Field: field, Reason: reason} }
	if c == nil {
		return bad("Config", "is nil")
	}
	if err := election.VerifyConfig(c.electionConfig()); err != nil {
		var ce *election.ConfigError
		if errors.As(err, &ce) {
			return bad(ce.Field, ce.Reason)
		}
		return bad("Config", err.Error())
	}
	switch {
	case !validToken(c.Group):
		return bad("Group", fmt.Sprintf("%q is not [A-Za-z0-9_-]+", c.Group))
	case c.ID != "" && !validToken(c.ID):
		return bad("ID", fmt.Sprintf("%q is not [A-Za-z0-9_-]+", c.ID))
	case c.IdempotencyTTL < time.Second:
		return bad("IdempotencyTTL", "must be at least 1s")
	case c.MaxKeyLen < 1 || c.MaxKeyLen > 1024:
		return bad("MaxKeyLen", "must be 1 to 1024")
	case c.MaxValueSize < 64 || c.MaxValueSize > 8<<20:
		return bad("MaxValueSize", "must be 64 bytes to 8 MiB")
	case c.MaxKeys < 1:
		return bad("MaxKeys", "must be at least 1")
	case c.MaxTTL < time.Second:
		return bad("MaxTTL", "must be at least 1s")
	case c.MaxBatch < 1 || c.MaxBatch > 400:
		return bad("MaxBatch", "must be 1 to 400 (a JetStream atomic batch holds 1,000 messages)")
	case c.MaxQueue < 1:
		return bad("MaxQueue", "must be at least 1")
	}
	return nil
}

func (c *Config) electionConfig() *election.Config {
	return &election.Config{Bucket: c.Bucket, Replicas: c.Replicas, Beat: c.Beat, TTL: c.TTL, OpTimeout: c.OpTimeout}
}
