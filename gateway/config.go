package gateway

import (
	"time"

	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/server"
)

// Config is a gateway's whole configuration, as read from its YAML file by Load or Parse. Build
// one in code with DefaultConfig and change what you need; New refuses a Config that Verify
// refuses. Every duration is written as Go writes one ("250ms", "1m30s"); every size in bytes.
type Config struct {
	// Listeners are the addresses calls are served on; at least one.
	Listeners []Listener `yaml:"listeners"`
	// Admin is the listener of /metrics, /status, /status.json, /healthz, /readyz and
	// POST /reload; an empty address serves none.
	Admin Admin `yaml:"admin"`
	// Limits bound what a caller may send and how long it may take, as server.Config does.
	Limits Limits `yaml:"limits"`
	// Routes send calls to pools: the first route that matches a call takes it.
	Routes []Route `yaml:"routes"`
	// Pools are the sets of equivalent backends, by name.
	Pools map[string]*Pool `yaml:"pools"`

	file  string              // the file it was read from, for errors
	pos   map[string]position // where each field was written, by path
	print string              // the configuration as parsed (JSON): pos holds while it matches
}

// Listener is one address calls are served on.
type Listener struct {
	// Address is host:port for TCP, or unix:/path/to.sock for a unix socket.
	Address string `yaml:"address"`
	// TLS, when set, terminates TLS on this listener.
	TLS *TLS `yaml:"tls"`
}

// TLS is a listener's TLS termination.
type TLS struct {
	// Cert and Key are PEM files of the server's certificate chain and private key.
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	// ClientCA, when set, is a PEM file of the authorities client certificates must chain to.
	ClientCA string `yaml:"client_ca"`
	// ClientAuth is "none", "request" (verify one if given) or "require"; "require" by default
	// when ClientCA is set.
	ClientAuth string `yaml:"client_auth"`
}

// Admin is the gateway's administrative listener.
type Admin struct {
	// Address is host:port or unix:/path; empty serves no admin endpoints.
	Address string `yaml:"address"`
	// Reload enables POST /reload, which re-reads the configuration file.
	Reload bool `yaml:"reload"`
}

// Limits bound each request a caller sends, with server's defaults.
type Limits struct {
	MaxBodySize   int64 `yaml:"max_body_size"`   // largest request (and answer) body in bytes
	MaxDepth      int   `yaml:"max_depth"`       // deepest nesting of values
	MaxBatch      int   `yaml:"max_batch"`       // most entries of a JSON-RPC batch or multicall
	MaxValues     int   `yaml:"max_values"`      // most values of one JSON-RPC body
	MaxHeaderSize int   `yaml:"max_header_size"` // largest request header in bytes
	// MaxConns caps the connections open at once on each listener, MaxConnsPerPeer those from
	// one address over every listener (a unix socket is one peer); past them a connection is
	// closed at once.
	MaxConns        int `yaml:"max_conns"`
	MaxConnsPerPeer int `yaml:"max_conns_per_peer"`
	// MemoryBudget bounds the bytes the gateway holds for requests at once, as server.Config's
	// does: request bodies being read (as they arrive), the values decoded from them (reckoned at
	// twice the body) and answers being written. A request that does not fit is answered at once
	// (503 with Retry-After, or 413 when it never could) and everyone else goes on being served.
	MemoryBudget int64 `yaml:"memory_budget"`
	// MaxBodies caps the request bodies being read at once past their first read; beyond it a
	// request gets 503 with Retry-After at once.
	MaxBodies int `yaml:"max_bodies"`
	// PeerShare is the share of MemoryBudget and MaxBodies one address may hold; 0 or 1 turns
	// it off, as for a trusted proxy in front, whose address every caller shares.
	PeerShare float64 `yaml:"peer_share"`
	// MaxConns, MaxConnsPerPeer, MemoryBudget, MaxBodies and PeerShare are read when the gateway
	// starts: a reload that changes them is refused (restart the gateway).

	// ReadHeaderTimeout bounds reading a request's headers; BodyTimeout its body, and
	// BodyStallTimeout how long the body may send nothing (408).
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	BodyTimeout       time.Duration `yaml:"body_timeout"`
	BodyStallTimeout  time.Duration `yaml:"body_stall_timeout"`
	// CallTimeout bounds each call from its arrival to its answer, retries included; a
	// caller's shorter deadline (Harp-Timeout) wins.
	CallTimeout time.Duration `yaml:"call_timeout"`
	// WriteTimeout bounds writing an answer; WriteStallTimeout closes a connection whose answer
	// makes no progress (no 32 KiB piece taken by the client) this long, so that a client that
	// never reads holds its answer seconds, not WriteTimeout. IdleTimeout closes idle keep-alive
	// connections.
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	WriteStallTimeout time.Duration `yaml:"write_stall_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	// ShutdownTimeout bounds the drain of calls in flight when the gateway stops.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// Route sends the calls it matches to a pool. Every condition given must hold; an empty one
// matches everything.
type Route struct {
	// Name labels the route in metrics and logs; by default "route<N>" (its index).
	Name string `yaml:"name"`
	// Paths are URL paths, exact; empty matches every path a listener serves.
	Paths []string `yaml:"paths"`
	// Methods are method-name patterns: an exact name, a prefix ("user.*" matches
	// "user.get" and "user.a.b") or a glob ("get_*", "report?"); empty matches every method.
	Methods []string `yaml:"methods"`
	// Protocol is "xmlrpc", "jsonrpc" or "" for both.
	Protocol string `yaml:"protocol"`
	// Pool names the pool that serves the route.
	Pool string `yaml:"pool"`
}

// Pool is a set of equivalent backends behind one cluster.Cluster.
type Pool struct {
	// Backends are the servers of the pool; at least one, unless Registry gives them.
	Backends []Backend `yaml:"backends"`
	// Registry, instead of Backends, takes the pool's backends from the registry on NATS
	// JetStream as instances announce themselves, change and leave.
	Registry *RegistrySource `yaml:"registry"`
	// Protocol is the one protocol the backends speak, "xmlrpc" or "jsonrpc": calls in the other
	// are bridged (translated both ways with the codecs' value mapping), and health checks use
	// it. Empty (the default) forwards each body in the caller's protocol, as harp servers take
	// both, and checks in XML-RPC.
	Protocol string `yaml:"protocol"`
	// Policy is a cluster policy name (cluster.Policies), round_robin by default.
	Policy string `yaml:"policy"`
	// Mode is failover (default), failfast, forking or broadcast.
	Mode string `yaml:"mode"`
	// Idempotent are method patterns safe to run twice: their calls are retried after failures
	// that may have reached a backend. Other calls are retried only when provably not sent.
	Idempotent []string `yaml:"idempotent"`
	// MaxInFlight caps the pool's calls in flight; a call beyond it is answered at once with an
	// overload answer (503 with Retry-After, carrying a fault or an error object). A call counts
	// until its answer is back from the backend, not while it is written to a slow client.
	MaxInFlight int `yaml:"max_in_flight"`
	// RetryAfter is announced with overload answers.
	RetryAfter time.Duration `yaml:"retry_after"`
	// AttemptTimeout bounds each attempt on one backend; 0 leaves only the call's deadline.
	AttemptTimeout time.Duration `yaml:"attempt_timeout"`
	// SlowStart is how long a backend that comes back takes to reach its full weight.
	SlowStart time.Duration `yaml:"slow_start"`
	// Multicall says the backends serve system.multicall; false sends a split multicall's part
	// as single calls. True by default.
	Multicall *bool `yaml:"multicall"`
	// Health tunes active health checks.
	Health Health `yaml:"health"`
	// Outlier tunes passive ejection after failed calls.
	Outlier Outlier `yaml:"outlier"`
	// Breaker tunes each backend's circuit breaker.
	Breaker Breaker `yaml:"breaker"`
	// Retry tunes failover mode and its retry budget.
	Retry Retry `yaml:"retry"`
	// Hedge tunes forking mode.
	Hedge Hedge `yaml:"hedge"`
}

// Backend is one server of a pool.
type Backend struct {
	// URL is http://host:port/path, https://... or unix:///path/to.sock (calls go to /RPC2).
	URL string `yaml:"url"`
	// Weight is the backend's share relative to the others'; 1 by default.
	Weight int `yaml:"weight"`
	// Backup marks a backend used only while no other is up.
	Backup bool `yaml:"backup"`
}

// Health is a pool's active health checking (cluster.HealthConfig).
type Health struct {
	// Method is called on each backend as the check; system.listMethods by default. "none"
	// turns active checks off.
	Method       string        `yaml:"method"`
	Interval     time.Duration `yaml:"interval"`
	FastInterval time.Duration `yaml:"fast_interval"`
	DownInterval time.Duration `yaml:"down_interval"`
	Timeout      time.Duration `yaml:"timeout"`
	Rise         int           `yaml:"rise"`
	Fall         int           `yaml:"fall"`
}

// Outlier is a pool's passive outlier detection (cluster.OutlierConfig).
type Outlier struct {
	ConsecutiveFailures int           `yaml:"consecutive_failures"`
	FailureRate         float64       `yaml:"failure_rate"`
	MinRequests         int           `yaml:"min_requests"`
	Window              time.Duration `yaml:"window"`
	BaseEjection        time.Duration `yaml:"base_ejection"`
	MaxEjection         time.Duration `yaml:"max_ejection"`
	MaxEjectedPercent   int           `yaml:"max_ejected_percent"`
}

// Breaker is a pool's per-backend circuit breaker (cluster.BreakerConfig).
type Breaker struct {
	Threshold      int           `yaml:"threshold"`
	OpenTime       time.Duration `yaml:"open_time"`
	HalfOpenProbes int           `yaml:"half_open_probes"`
}

// Retry is a pool's failover tuning (cluster.RetryConfig).
type Retry struct {
	MaxAttempts   int           `yaml:"max_attempts"`
	BaseBackoff   time.Duration `yaml:"base_backoff"`
	MaxBackoff    time.Duration `yaml:"max_backoff"`
	BudgetRatio   float64       `yaml:"budget_ratio"`
	BudgetReserve int           `yaml:"budget_reserve"`
	BudgetMax     int           `yaml:"budget_max"`
}

// Hedge is a pool's forking tuning (cluster.HedgeConfig).
type Hedge struct {
	Delay       time.Duration `yaml:"delay"`
	MaxAttempts int           `yaml:"max_attempts"`
}

// Defaults the gateway has of its own (the others are server.DefaultConfig's, see
// DefaultLimits).
const (
	DefaultMaxConns     = 10000 // connections at once per listener, as server's MaxConns
	DefaultMaxConnsPeer = 2500  // from one address: a quarter, as server's PeerShare
	DefaultMaxInFlight  = 1024  // calls in flight per pool
)

// DefaultLimits returns the limits a configuration starts from: server.DefaultConfig's where
// server has the same limit (body size, depth, batch, values, header size and timeouts, the
// connection caps, the memory budget and its per-peer share), and a 30 s call timeout, which server leaves to its handlers.
func DefaultLimits() Limits {
	sc := server.DefaultConfig()
	return Limits{
		MaxBodySize:       sc.MaxBodySize,
		MaxDepth:          sc.MaxDepth,
		MaxBatch:          sc.MaxBatch,
		MaxValues:         sc.MaxValues,
		MaxHeaderSize:     sc.MaxHeaderBytes,
		MaxConns:          DefaultMaxConns,
		MaxConnsPerPeer:   DefaultMaxConnsPeer,
		MemoryBudget:      sc.MemoryBudget,
		MaxBodies:         sc.MaxBodies,
		PeerShare:         sc.PeerShare,
		ReadHeaderTimeout: sc.ReadHeaderTimeout,
		BodyTimeout:       sc.BodyTimeout,
		BodyStallTimeout:  sc.BodyStallTimeout,
		WriteStallTimeout: sc.WriteStallTimeout,
		CallTimeout:       30 * time.Second,
		WriteTimeout:      sc.WriteTimeout,
		IdleTimeout:       sc.IdleTimeout,
		ShutdownTimeout:   sc.ShutdownTimeout,
	}
}

// DefaultConfig returns a configuration with the default limits and nothing to serve yet: add
// listeners, pools and routes.
func DefaultConfig() *Config {
	return &Config{Limits: DefaultLimits(), Pools: map[string]*Pool{}}
}

// DefaultAttemptTimeout bounds one attempt on one backend unless a pool says otherwise: longer
// than cluster's default, since a gateway forwards methods it knows nothing about.
const DefaultAttemptTimeout = 5 * time.Second

// DefaultPool returns a pool's defaults: cluster.DefaultConfig's policy, mode, health, outlier,
// breaker, retry, hedge and slow start, DefaultAttemptTimeout, DefaultMaxInFlight calls in flight
// and a one-second Retry-After.
func DefaultPool() *Pool {
	c := cluster.DefaultConfig()
	t := true
	return &Pool{
		Policy:         c.Policy,
		Mode:           string(c.Mode),
		MaxInFlight:    DefaultMaxInFlight,
		RetryAfter:     time.Second,
		AttemptTimeout: DefaultAttemptTimeout,
		SlowStart:      c.SlowStart,
		Multicall:      &t,
		Health: Health{
			Method: cluster.DefaultCheckMethod, Interval: c.Health.Interval, FastInterval: c.Health.FastInterval,
			DownInterval: c.Health.DownInterval, Timeout: c.Health.Timeout, Rise: c.Health.Rise, Fall: c.Health.Fall,
		},
		Outlier: Outlier{
			ConsecutiveFailures: c.Outlier.ConsecutiveFailures, FailureRate: c.Outlier.FailureRate,
			MinRequests: c.Outlier.MinRequests, Window: c.Outlier.Window, BaseEjection: c.Outlier.BaseEjection,
			MaxEjection: c.Outlier.MaxEjection, MaxEjectedPercent: c.Outlier.MaxEjectedPercent,
		},
		Breaker: Breaker{Threshold: c.Breaker.Threshold, OpenTime: c.Breaker.OpenTime, HalfOpenProbes: c.Breaker.HalfOpenProbes},
		Retry: Retry{
			MaxAttempts: c.Retry.MaxAttempts, BaseBackoff: c.Retry.BaseBackoff, MaxBackoff: c.Retry.MaxBackoff,
			BudgetRatio: c.Retry.BudgetRatio, BudgetReserve: c.Retry.BudgetReserve, BudgetMax: c.Retry.BudgetMax,
		},
		Hedge: Hedge{Delay: c.Hedge.Delay, MaxAttempts: c.Hedge.MaxAttempts},
	}
}
