package cluster

import (
	"context"
	"math"
	"time"
)

// Mode says how a call uses the cluster's endpoints.
type Mode string

// Call modes, as in Dubbo's cluster modes.
const (
	// ModeFailover tries one endpoint and, when the attempt fails in a way that is safe to
	// repeat, another, up to Retry.MaxAttempts, with backoff and within the retry budget.
	ModeFailover Mode = "failover"
	// ModeFailfast tries one endpoint and reports its failure.
	ModeFailfast Mode = "failfast"
	// ModeForking sends the call to one endpoint and, after Hedge.Delay without an answer (at
	// once when the delay is 0), to another, up to Hedge.MaxAttempts copies; the first success
	// wins and the others are cancelled. Choosing it declares the method safe to run more than
	// once.
	ModeForking Mode = "forking"
	// ModeBroadcast calls every endpoint that is not a backup and reports each result. Choosing it
	// declares that the method is meant to run on every endpoint.
	ModeBroadcast Mode = "broadcast"
)

// Config tunes a Cluster. Build one with DefaultConfig and change what you need; New refuses a
// Config that VerifyConfig refuses.
type Config struct {
	// Policy is the name of the load-balancing policy (see Register), e.g. "round_robin".
	Policy string
	// Mode is the call mode for methods without their own MethodConfig.
	Mode Mode
	// AttemptTimeout bounds each attempt on its own; 0 leaves attempts bounded only by the
	// caller's context, which always bounds all attempts together. When the caller's context
	// cannot be cancelled (context.Background, or one that only carries values), attempts that
	// start within the same 5 ms share one timer, so an attempt may run up to 5 ms longer.
	AttemptTimeout time.Duration
	// ConnectTimeout, when positive, gives an attempt's connect a clock of its own: an attempt
	// may wait up to ConnectTimeout for its connection, and its AttemptTimeout (or its method's
	// Timeout) starts once connected, for Callers whose transport can tell (rpc.WithAttemptTimeout;
	// harp's HTTP client can). A server whose listen backlog is full (Python's
	// SimpleXMLRPCServer has 5) drops SYNs that are sent again after 1 s: with 0, the default,
	// the connect counts within AttemptTimeout and such a stall fails the attempt (as not sent,
	// so it is retried elsewhere). The default is 0 because a Caller that cannot tell when it is
	// connected (a broker's, one of your own) would have its attempts bounded by ConnectTimeout
	// plus AttemptTimeout: set it for fleets of HTTP backends with small listen backlogs.
	ConnectTimeout time.Duration
	// Methods overrides the call mode and settings per method. A key is a method's name, or a
	// pattern in which '*' matches any run of characters and '?' one ("supervisor.get*",
	// "system.*"), so that a service's read-only methods are declared idempotent at once. An
	// exact name wins over every pattern, and the most specific pattern (most characters
	// other than wildcards) over the others. WithCallConfig overrides them for one call.
	Methods map[string]MethodConfig
	// Retry tunes ModeFailover.
	Retry RetryConfig
	// Hedge tunes ModeForking.
	Hedge HedgeConfig
	// Health tunes the active checks.
	Health HealthConfig
	// Outlier tunes passive outlier detection from real calls.
	Outlier OutlierConfig
	// Breaker tunes each endpoint's circuit breaker.
	Breaker BreakerConfig
	// SlowStart is how long an endpoint that comes back (or joins) takes to reach its full weight,
	// its weight ramping linearly; 0 disables slow start.
	SlowStart time.Duration
	// ResolveInterval is how often the resolver is asked again; it is also asked (at most once
	// per ResolveInterval/4) when an endpoint fails. 0 resolves only once.
	ResolveInterval time.Duration
	// HashParam is the index of the parameter that consistent_hash hashes with the method name
	// when the context has no key (see WithHashKey); -1 hashes the method name alone.
	HashParam int
	// HashLoadFactor bounds consistent_hash's load: an endpoint takes a key only while its calls
	// in flight stay under HashLoadFactor times the average; at least 1.
	HashLoadFactor float64
	// EventBuffer is the capacity of each event subscriber's channel; events that do not fit are
	// dropped (and counted) rather than blocking calls.
	EventBuffer int
}

// MethodConfig overrides the cluster's settings for one method.
type MethodConfig struct {
	// Mode is the call mode; empty uses the cluster's.
	Mode Mode
	// Idempotent declares that running the method twice is harmless, so failures that may have
	// reached a server (timeouts, 5xx, broken answers) are retried too. Without it only failures
	// that provably never reached a server are retried: at most once.
	Idempotent bool
	// Timeout, when positive, bounds each attempt instead of Config.AttemptTimeout.
	Timeout time.Duration
	// MaxAttempts, when positive, replaces Retry.MaxAttempts (or Hedge.MaxAttempts) for the method.
	MaxAttempts int
	// HashParam, when not nil, replaces Config.HashParam for the method.
	HashParam *int
}

// RetryConfig tunes ModeFailover.
type RetryConfig struct {
	// MaxAttempts bounds the attempts of one call, the first included; at least 1.
	MaxAttempts int
	// BaseBackoff is the backoff before the first retry; each retry doubles it up to MaxBackoff.
	// The wait is drawn at random between half of it and all of it (jitter). 0 retries at once.
	BaseBackoff time.Duration
	// MaxBackoff caps the backoff.
	MaxBackoff time.Duration
	// BudgetRatio is the share of calls that retries may add: every call deposits BudgetRatio
	// tokens, every retry takes one. 0.2 lets retries reach 20% of calls.
	BudgetRatio float64
	// BudgetReserve is the number of retries allowed before any call deposited: the budget starts
	// with it, so retries never exceed BudgetReserve + BudgetRatio × calls.
	BudgetReserve int
	// BudgetMax caps the tokens the budget can save up, so a long quiet spell cannot fund a storm.
	BudgetMax int
}

// HedgeConfig tunes ModeForking.
type HedgeConfig struct {
	// Delay is how long to wait for an answer before sending the next copy; 0 sends every copy
	// at once.
	Delay time.Duration
	// MaxAttempts is the number of copies at most, the first included; at least 1.
	MaxAttempts int
}

// HealthConfig tunes active health checks (HAProxy's inter, fastinter, downinter, rise, fall).
type HealthConfig struct {
	// Check runs one check against an endpoint, through its Caller or otherwise (see HTTPCheck):
	// nil error is healthy, and so is a fault (the endpoint answered). Nil uses DefaultCheck.
	Check func(ctx context.Context, ep Endpoint, c Caller) error
	// Interval is the time between checks while the state is settled and up; 0 disables active
	// checks.
	Interval time.Duration
	// FastInterval is the time between checks while the state is changing (some failures while
	// up, some successes while down).
	FastInterval time.Duration
	// DownInterval is the time between checks while down.
	DownInterval time.Duration
	// Timeout bounds each check.
	Timeout time.Duration
	// Jitter spreads checks: each wait is drawn within ±Jitter of its interval (a fraction, 0..1).
	Jitter float64
	// Rise is the number of consecutive successful checks that bring a down endpoint up.
	Rise int
	// Fall is the number of consecutive failed checks that take an up endpoint down.
	Fall int
}

// OutlierConfig tunes passive outlier detection (Envoy's): real calls' failures eject an
// endpoint for a while. An ejection that ends while the endpoint's active checks are failing
// lasts until they decide (a pass, or Health.Fall failures and down). Failures of calls sent
// before the endpoint left rotation count neither toward a new ejection nor in the failure rate
// it comes back with.
type OutlierConfig struct {
	// ConsecutiveFailures ejects an endpoint after that many failed calls in a row; 0 disables.
	ConsecutiveFailures int
	// FailureRate ejects an endpoint whose share of failed calls over Window reaches it (0..1),
	// once it saw MinRequests calls in that window; 0 disables.
	FailureRate float64
	// MinRequests is the number of calls in Window needed before FailureRate applies.
	MinRequests int
	// Window is the span over which FailureRate is measured.
	Window time.Duration
	// BaseEjection is the first ejection's length; the n-th ejection in a row lasts n times as
	// long, up to MaxEjection. An ejection count falls by one for each BaseEjection spent healthy.
	BaseEjection time.Duration
	// MaxEjection caps an ejection's length.
	MaxEjection time.Duration
	// MaxEjectedPercent caps the share of endpoints ejected at once (0..100); one endpoint may
	// always be ejected.
	MaxEjectedPercent int
}

// BreakerConfig tunes each endpoint's circuit breaker: closed, open after Threshold failures in
// a row, half-open after OpenTime, when up to HalfOpenProbes real calls test the endpoint: a
// success closes the breaker, a failure opens it again. Unlike an ejection, a breaker is not
// limited by Outlier.MaxEjectedPercent: with a Threshold above Outlier.ConsecutiveFailures (the
// default) it is the backstop for endpoints that the ejection cap keeps in rotation. Failures
// reported while an endpoint is already out of rotation (calls sent before) count for neither.
type BreakerConfig struct {
	// Threshold is the number of consecutive failed calls that open the breaker; 0 disables it.
	Threshold int
	// OpenTime is how long the breaker stays open before turning half-open.
	OpenTime time.Duration
	// HalfOpenProbes is the number of calls let through at once while half-open; at least 1.
	HalfOpenProbes int
}

// DefaultConfig returns the defaults: round_robin, failover with 3 attempts and a 20% retry
// budget, active checks every second (250 ms while changing, 1 s while down, 500 ms timeout,
// rise 2, fall 2, so a server back up is seen within 1.25 s), ejection after 5 consecutive failures or a 50% failure rate, a breaker after
// 10, a 750 ms attempt timeout and a 2 s slow start. The attempt timeout is what takes a server
// that accepts calls and never answers out of rotation within a second under load (its calls
// time out at 750 ms and five in a row eject it); raise it, or set a method's Timeout, for
// methods that legitimately take longer.
func DefaultConfig() *Config {
	return &Config{
		Policy:         "round_robin",
		Mode:           ModeFailover,
		AttemptTimeout: 750 * time.Millisecond,
		Retry: RetryConfig{
			MaxAttempts:   3,
			BaseBackoff:   2 * time.Millisecond,
			MaxBackoff:    200 * time.Millisecond,
			BudgetRatio:   0.2,
			BudgetReserve: 10,
			BudgetMax:     100,
		},
		Hedge: HedgeConfig{Delay: 50 * time.Millisecond, MaxAttempts: 2},
		Health: HealthConfig{
			Interval:     time.Second,
			FastInterval: 250 * time.Millisecond,
			DownInterval: time.Second,
			Timeout:      500 * time.Millisecond,
			Jitter:       0.1,
			Rise:         2,
			Fall:         2,
		},
		Outlier: OutlierConfig{
			ConsecutiveFailures: 5,
			FailureRate:         0.5,
			MinRequests:         20,
			Window:              10 * time.Second,
			BaseEjection:        time.Second,
			MaxEjection:         30 * time.Second,
			MaxEjectedPercent:   50,
		},
		Breaker:         BreakerConfig{Threshold: 10, OpenTime: 2 * time.Second, HalfOpenProbes: 1},
		SlowStart:       2 * time.Second,
		ResolveInterval: 30 * time.Second,
		HashParam:       0,
		HashLoadFactor:  1.25,
		EventBuffer:     256,
	}
}

// VerifyConfig reports the first invalid field of c as a *ConfigError, nil when c is usable.
func VerifyConfig(c *Config) error {
	bad := func(field, reason string) error { return &ConfigError{Field: field, Reason: reason} }
	if c == nil {
		return bad("Config", "nil")
	}
	if _, ok := lookupPolicy(c.Policy); !ok {
		return bad("Policy", "unknown policy "+quote(c.Policy))
	}
	if !c.Mode.valid() || c.Mode == "" {
		return bad("Mode", "unknown mode "+quote(string(c.Mode)))
	}
	for name, m := range c.Methods {
		if m.Mode != "" && !m.Mode.valid() {
			return bad("Methods["+quote(name)+"].Mode", "unknown mode "+quote(string(m.Mode)))
		}
		if m.Timeout < 0 || m.MaxAttempts < 0 {
			return bad("Methods["+quote(name)+"]", "negative Timeout or MaxAttempts")
		}
	}
	switch {
	case c.AttemptTimeout < 0:
		return bad("AttemptTimeout", "negative")
	case c.ConnectTimeout < 0:
		return bad("ConnectTimeout", "negative")
	case c.Retry.MaxAttempts < 1:
		return bad("Retry.MaxAttempts", "must be at least 1")
	case c.Retry.BaseBackoff < 0 || c.Retry.MaxBackoff < c.Retry.BaseBackoff:
		return bad("Retry.MaxBackoff", "backoffs must satisfy 0 <= BaseBackoff <= MaxBackoff")
	case !(c.Retry.BudgetRatio >= 0 && c.Retry.BudgetRatio <= 1):
		return bad("Retry.BudgetRatio", "must be within 0..1")
	case c.Retry.BudgetReserve < 0 || c.Retry.BudgetMax < c.Retry.BudgetReserve:
		return bad("Retry.BudgetMax", "must satisfy 0 <= BudgetReserve <= BudgetMax")
	case c.Hedge.MaxAttempts < 1 || c.Hedge.Delay < 0:
		return bad("Hedge", "MaxAttempts must be at least 1 and Delay not negative")
	case c.Health.Interval < 0:
		return bad("Health.Interval", "negative")
	case c.Health.Interval > 0 && (c.Health.FastInterval <= 0 || c.Health.DownInterval <= 0 || c.Health.Timeout <= 0):
		return bad("Health", "FastInterval, DownInterval and Timeout must be positive when Interval is")
	case c.Health.Interval > 0 && (c.Health.Rise < 1 || c.Health.Fall < 1):
		return bad("Health", "Rise and Fall must be at least 1")
	case !(c.Health.Jitter >= 0 && c.Health.Jitter < 1):
		return bad("Health.Jitter", "must be within 0..1")
	case c.Outlier.ConsecutiveFailures < 0:
		return bad("Outlier.ConsecutiveFailures", "negative")
	case !(c.Outlier.FailureRate >= 0 && c.Outlier.FailureRate <= 1):
		return bad("Outlier.FailureRate", "must be within 0..1")
	case c.Outlier.FailureRate > 0 && (c.Outlier.Window <= 0 || c.Outlier.MinRequests < 1):
		return bad("Outlier", "Window and MinRequests must be positive when FailureRate is")
	case (c.Outlier.ConsecutiveFailures > 0 || c.Outlier.FailureRate > 0) && (c.Outlier.BaseEjection <= 0 || c.Outlier.MaxEjection < c.Outlier.BaseEjection):
		return bad("Outlier", "ejections need 0 < BaseEjection <= MaxEjection")
	case c.Outlier.MaxEjectedPercent < 0 || c.Outlier.MaxEjectedPercent > 100:
		return bad("Outlier.MaxEjectedPercent", "must be within 0..100")
	case c.Breaker.Threshold < 0:
		return bad("Breaker.Threshold", "negative")
	case c.Breaker.Threshold > 0 && (c.Breaker.OpenTime <= 0 || c.Breaker.HalfOpenProbes < 1):
		return bad("Breaker", "OpenTime must be positive and HalfOpenProbes at least 1")
	case c.SlowStart < 0 || c.ResolveInterval < 0:
		return bad("SlowStart", "SlowStart and ResolveInterval must not be negative")
	case c.HashParam < -1:
		return bad("HashParam", "must be -1 or a parameter index")
	case !(c.HashLoadFactor >= 1) || math.IsInf(c.HashLoadFactor, 0):
		return bad("HashLoadFactor", "must be at least 1")
	case c.EventBuffer < 0:
		return bad("EventBuffer", "negative")
	}
	return nil
}

func (m Mode) valid() bool {
	switch m {
	case ModeFailover, ModeFailfast, ModeForking, ModeBroadcast, "":
		return true
	}
	return false
}

func quote(s string) string { return "\"" + s + "\"" }
