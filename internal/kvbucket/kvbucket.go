// Package kvbucket holds what the JetStream KV users (registry, election) share: the rule for
// bucket, service and instance names, and opening a bucket that may not exist yet.
package kvbucket

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"
)

// MaxNameLen bounds a name ValidName accepts.
const MaxNameLen = 128

// ValidName reports whether s is a non-empty run of [A-Za-z0-9_-], at most MaxNameLen bytes: a
// single NATS subject token, usable as a bucket name and as one part of a key.
func ValidName(s string) bool {
	if s == "" || len(s) > MaxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-') {
			return false
		}
	}
	return true
}

// Open binds to the bucket cfg names, creating it with cfg when it does not exist; a bucket
// another process created meanwhile is bound to as well. The error is the creation's.
func Open(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	if kv, err := js.KeyValue(ctx, cfg.Bucket); err == nil {
		return kv, nil
	}
	kv, err := js.CreateKeyValue(ctx, cfg)
	if err != nil {
		if kv2, err2 := js.KeyValue(ctx, cfg.Bucket); err2 == nil {
			return kv2, nil
		}
		return nil, err
	}
	return kv, nil
}
