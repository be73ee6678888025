package oslo

import (
	"context"
	"maps"
)

type requestContextKey struct{}

// WithRequestContext returns a copy of ctx carrying the oslo request context values (user_id,
// project_id, roles, ...): a Client sends them with every call and cast made under it, one
// _context_<key> field each, and a Server hands the ones it receives to the handler's context.
func WithRequestContext(ctx context.Context, values map[string]any) context.Context {
	return context.WithValue(ctx, requestContextKey{}, maps.Clone(values))
}

// RequestContext returns the oslo request context ctx carries, or nil. In a handler it holds
// what the caller sent, plus client_timeout (the call monitor's _timeout, or nil) as
// oslo.messaging adds it; broker.ContextFrom returns the same values. The map must not be
// modified.
func RequestContext(ctx context.Context) map[string]any {
	m, _ := ctx.Value(requestContextKey{}).(map[string]any)
	return m
}
