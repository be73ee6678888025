package metrics

import (
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/harp-rpc/harp/gateway"
)

// DefaultMaxMethods bounds the method label: names past it count as "other".
const DefaultMaxMethods = 200

// OtherMethod is the method label of names past the bound and of refused calls.
const OtherMethod = "other"

// Gateway collects a gateway's figures. Its ObserveCall is safe for concurrent use and takes no
// lock once a method's label is known.
type Gateway struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	methods  methodSet
	series   seriesCache[gatewayKey]
	gw       atomic.Pointer[gateway.Gateway]
}

// gatewayKey names the series one gateway call counts in.
type gatewayKey struct {
	route, pool, method string
	outcome             gateway.Outcome
}

// NewGateway returns the metrics of one gateway, with at most maxMethods method labels
// (DefaultMaxMethods when 0 or less), in a registry of their own that also holds the Go runtime
// and process collectors.
func NewGateway(maxMethods int) *Gateway {
	if maxMethods <= 0 {
		maxMethods = DefaultMaxMethods
	}
	m := &Gateway{reg: prometheus.NewRegistry(), methods: methodSet{max: maxMethods}}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "harp_gateway_requests_total", Help: "Calls answered, by route, pool, method and outcome.",
	}, []string{"route", "pool", "method", "outcome"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "harp_gateway_request_duration_seconds", Help: "Time from a call's arrival to its answer.",
		Buckets: durationBuckets,
	}, []string{"route", "pool", "method"})
	m.series = seriesCache[gatewayKey]{requests: m.requests, duration: m.duration,
		labels: func(k gatewayKey) ([]string, []string) {
			return []string{k.route, k.pool, k.method, string(k.outcome)}, []string{k.route, k.pool, k.method}
		}}
	m.reg.MustRegister(m.requests, m.duration, &poolCollector{m: m},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Attach makes the collector read g's pools and backends at each scrape.
func (m *Gateway) Attach(g *gateway.Gateway) { m.gw.Store(g) }

// Registry returns the registry the families are in, to add more or gather in tests.
func (m *Gateway) Registry() *prometheus.Registry { return m.reg }

// Handler serves the families in Prometheus' text format, for the admin listener's /metrics.
func (m *Gateway) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// ObserveCall counts one answered call; it implements gateway.Observer.
func (m *Gateway) ObserveCall(c *gateway.CallInfo) {
	method := OtherMethod
	if c.Outcome != gateway.OutcomeRefused && c.Route != "" {
		method = m.methods.label(c.Method)
	}
	m.series.observe(gatewayKey{c.Route, c.Pool, method, c.Outcome}, c.Duration)
}

// methodSet hands out at most max distinct method labels.
type methodSet struct {
	known sync.Map // string -> struct{}
	mu    sync.Mutex
	n     int
	max   int
}

func (s *methodSet) label(name string) string {
	if _, ok := s.known.Load(name); ok {
		return name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.known.Load(name); ok {
		return name
	}
	if s.n >= s.max {
		return OtherMethod
	}
	s.n++
	s.known.Store(name, struct{}{})
	return name
}
