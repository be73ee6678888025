package rpc

import (
	"context"
	"time"
)

type attemptKey struct{}

// WithAttemptTimeout returns a copy of ctx that asks the transport to bound the call by d from
// the moment its connection is ready, not from now: connecting has a clock of its own, the
// deadline of ctx, which the caller sets to cover a slow connect (a full listen backlog whose
// SYNs are dropped and sent again after 1 s) and then d. A transport that cannot tell when it is
// connected ignores it, and the call is bounded by ctx's deadline alone. cluster sets it when
// Config.ConnectTimeout is positive.
func WithAttemptTimeout(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, attemptKey{}, d)
}

// AttemptTimeout returns the timeout WithAttemptTimeout put in ctx, and whether there is one.
func AttemptTimeout(ctx context.Context) (time.Duration, bool) {
	d, ok := ctx.Value(attemptKey{}).(time.Duration)
	return d, ok && d > 0
}
