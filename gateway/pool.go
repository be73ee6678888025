package gateway

import (
	"context"
	"reflect"
	"slices"
	"sync/atomic"

	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// clusterConfig returns the cluster.Config of the pool: its policy, mode, timeouts, health,
// outlier, breaker, retry and hedge settings, and one MethodConfig per idempotent pattern, keyed
// by the pattern (the gateway hands the cluster the pattern a method matched as its name).
func (p *Pool) clusterConfig() (*cluster.Config, error) {
	c := cluster.DefaultConfig()
	c.Policy = p.Policy
	c.Mode = cluster.Mode(p.Mode)
	c.AttemptTimeout = p.AttemptTimeout
	c.SlowStart = p.SlowStart
	c.ResolveInterval = 0
	c.HashParam = -1
	c.Health = cluster.HealthConfig{
		Interval: p.Health.Interval, FastInterval: p.Health.FastInterval, DownInterval: p.Health.DownInterval,
		Timeout: p.Health.Timeout, Jitter: c.Health.Jitter, Rise: p.Health.Rise, Fall: p.Health.Fall,
	}
	if p.Health.Method == "none" {
		c.Health.Interval = 0
	} else if p.Health.Method != "" && p.Health.Method != cluster.DefaultCheckMethod {
		c.Health.Check = cluster.MethodCheck(p.Health.Method)
	}
	o := p.Outlier
	c.Outlier = cluster.OutlierConfig{
		ConsecutiveFailures: o.ConsecutiveFailures, FailureRate: o.FailureRate, MinRequests: o.MinRequests,
		Window: o.Window, BaseEjection: o.BaseEjection, MaxEjection: o.MaxEjection, MaxEjectedPercent: o.MaxEjectedPercent,
	}
	c.Breaker = cluster.BreakerConfig{Threshold: p.Breaker.Threshold, OpenTime: p.Breaker.OpenTime, HalfOpenProbes: p.Breaker.HalfOpenProbes}
	r := p.Retry
	c.Retry = cluster.RetryConfig{
		MaxAttempts: r.MaxAttempts, BaseBackoff: r.BaseBackoff, MaxBackoff: r.MaxBackoff,
		BudgetRatio: r.BudgetRatio, BudgetReserve: r.BudgetReserve, BudgetMax: r.BudgetMax,
	}
	c.Hedge = cluster.HedgeConfig{Delay: p.Hedge.Delay, MaxAttempts: p.Hedge.MaxAttempts}
	c.Methods = map[string]cluster.MethodConfig{}
	for _, pat := range p.Idempotent {
		c.Methods[pat] = cluster.MethodConfig{Idempotent: true}
	}
	return c, nil
}

// sameCluster reports whether a and b configure their clusters alike, backends aside: a reload
// then keeps the running cluster (its health state and connections) and only sets its endpoints.
func sameCluster(a, b *Pool) bool {
	x, y := *a, *b
	x.Backends, y.Backends = nil, nil // a registry pool keeps following its registry
	x.MaxInFlight, y.MaxInFlight = 0, 0
	x.RetryAfter, y.RetryAfter = 0, 0
	return reflect.DeepEqual(x, y)
}

// pool is a running pool: its cluster, its limit of calls in flight and its idempotent patterns.
type pool struct {
	name       string
	cfg        *Pool
	cluster    *cluster.Cluster
	counters   *counters // shared with the pool it replaced when the cluster is kept
	idempotent []pattern
	hashed     bool    // the policy hashes: pass the method as the hash key
	source     *source // the registry the cluster follows, when Registry gives the backends
}

// close closes the pool's cluster and stops following its registry.
func (p *pool) close() {
	if p.source != nil {
		p.source.close()
	}
	p.cluster.Close()
}

// counters are a pool's figures that outlive a reload which keeps its cluster.
type counters struct {
	inFlight  atomic.Int64
	overloads atomic.Int64
}

// newPool starts the cluster of cfg; limits bound the answers its backends may send.
func newPool(name string, cfg *Pool, limits Limits) (*pool, error) {
	cc, err := cfg.clusterConfig()
	if err != nil {
		return nil, err
	}
	eps := endpoints(cfg)
	var src *source
	if cfg.Registry != nil {
		if src, eps, err = openSource(cfg.Registry); err != nil {
			return nil, err
		}
	}
	factory := func(ep cluster.Endpoint) (cluster.Caller, error) {
		t, err := newBackendTransport(ep.URL, limits.MaxBodySize)
		if err != nil {
			return nil, err
		}
		codec := rpc.NewXMLClientCodec(xmlrpc.EncodeOptions{}, xmlrpc.DecodeOptions{MaxSize: limits.MaxBodySize, MaxDepth: limits.MaxDepth})
		if cfg.Protocol == "jsonrpc" {
			codec = rpc.NewJSONClientCodec(jsonrpc.EncodeOptions{}, jsonrpc.DecodeOptions{
				MaxSize: limits.MaxBodySize, MaxDepth: limits.MaxDepth, MaxBatch: limits.MaxBatch, MaxValues: limits.MaxValues,
			})
		}
		return rpc.NewClient(t, &rpc.ClientConfig{Codec: codec, Endpoint: t.url})
	}
	c, err := cluster.New(eps, factory, cc)
	if err != nil {
		if src != nil {
			src.close()
		}
		return nil, err
	}
	if src != nil {
		src.follow(c)
	}
	return compilePool(name, cfg, c, new(counters), src), nil
}

func compilePool(name string, cfg *Pool, c *cluster.Cluster, n *counters, src *source) *pool {
	p := &pool{name: name, cfg: cfg, cluster: c, counters: n, source: src}
	for _, s := range cfg.Idempotent {
		pat, _ := compilePattern(s) // verified
		p.idempotent = append(p.idempotent, pat)
	}
	p.hashed = slices.Contains([]string{"consistent_hash", "maglev"}, cfg.Policy)
	return p
}

func endpoints(cfg *Pool) []cluster.Endpoint {
	eps := make([]cluster.Endpoint, len(cfg.Backends))
	for i, b := range cfg.Backends {
		eps[i] = cluster.Endpoint{URL: b.URL, Weight: b.Weight, Backup: b.Backup}
	}
	return eps
}

// key returns the name the cluster configures a call of method by: the idempotent pattern it
// matches, or the method itself.
func (p *pool) key(method string) string {
	for i, pat := range p.idempotent {
		if pat.match(method) {
			return p.cfg.Idempotent[i]
		}
	}
	return method
}

// isIdempotent reports whether method matches one of the pool's idempotent patterns.
func (p *pool) isIdempotent(method string) bool {
	for _, pat := range p.idempotent {
		if pat.match(method) {
			return true
		}
	}
	return false
}

// acquire takes a slot of the pool's calls in flight, false when the pool is full.
func (p *pool) acquire() bool {
	if p.counters.inFlight.Add(1) > int64(p.cfg.MaxInFlight) {
		p.counters.inFlight.Add(-1)
		p.counters.overloads.Add(1)
		return false
	}
	return true
}

func (p *pool) release() { p.counters.inFlight.Add(-1) }

// hashCtx adds the hash key of method for hashing policies.
func (p *pool) hashCtx(ctx context.Context, method string) context.Context {
	if p.hashed {
		return cluster.WithHashKey(ctx, method)
	}
	return ctx
}
