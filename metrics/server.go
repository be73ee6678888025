package metrics

import (
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// BatchMethod is the method label of a JSON-RPC batch, whatever its calls.
const BatchMethod = "batch"

var (
	srvInFlight     = desc("harp_server_in_flight", "Calls being served now, abandoned ones still running included.")
	srvMemoryUsed   = desc("harp_server_memory_used_bytes", "Bytes of the memory budget reserved now.")
	srvRefusedConns = desc("harp_server_refused_conns_total", "Connections closed for the connection limits.")
)

// Server collects a plain harp server's figures. Its ObserveCall is safe for concurrent use and
// takes no lock once a method's label is known.
type Server struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	methods  methodSet
	series   seriesCache[seriesKey]
	srv      atomic.Pointer[server.Server]
}

// seriesKey names the series one call counts in. Its method is a label already bounded, so
// there are at most protocols × outcomes × (MaxMethods + 2) keys.
type seriesKey struct {
	protocol, method string
	outcome          server.Outcome
}

// NewServer returns the metrics of one server, with at most maxMethods method labels
// (DefaultMaxMethods when 0 or less), in a registry of their own that also holds the Go runtime
// and process collectors. Give it as server.Config.Observer, then Attach the server.
func NewServer(maxMethods int) *Server {
	if maxMethods <= 0 {
		maxMethods = DefaultMaxMethods
	}
	m := &Server{reg: prometheus.NewRegistry(), methods: methodSet{max: maxMethods}}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "harp_server_requests_total", Help: "Requests answered or refused, by protocol, method and outcome.",
	}, []string{"protocol", "method", "outcome"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "harp_server_request_duration_seconds", Help: "Time from a request's body to its answer written.",
		Buckets: durationBuckets,
	}, []string{"protocol", "method"})
	m.series = seriesCache[seriesKey]{requests: m.requests, duration: m.duration,
		labels: func(k seriesKey) ([]string, []string) {
			return []string{k.protocol, k.method, string(k.outcome)}, []string{k.protocol, k.method}
		}}
	m.reg.MustRegister(m.requests, m.duration, &serverCollector{m: m},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Attach makes the collector read s's calls in flight, memory and refused connections at each
// scrape; before it, those families are absent.
func (m *Server) Attach(s *server.Server) { m.srv.Store(s) }

// Registry returns the registry the families are in, to add more or gather in tests.
func (m *Server) Registry() *prometheus.Registry { return m.reg }

// Handler serves the families in Prometheus' text format, for a /metrics endpoint.
func (m *Server) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// ObserveCall counts one request; it implements server.Observer.
func (m *Server) ObserveCall(c server.CallInfo) {
	m.series.observe(seriesKey{c.Protocol, m.method(&c), c.Outcome}, c.Duration)
}

// method is c's method label: a batch is BatchMethod; a refused request, a body that did not
// parse and an unknown method are OtherMethod, so that names no method answers take no label;
// and past the bound every new name is OtherMethod too.
func (m *Server) method(c *server.CallInfo) string {
	switch {
	case c.Batch:
		return BatchMethod
	case c.Method == "" || c.Code == rpc.CodeMethodNotFound:
		return OtherMethod
	}
	return m.methods.label(c.Method)
}

// serverCollector reads the attached server's gauges at each scrape.
type serverCollector struct{ m *Server }

func (c *serverCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- srvInFlight
	ch <- srvMemoryUsed
	ch <- srvRefusedConns
}

func (c *serverCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.m.srv.Load()
	if s == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(srvInFlight, prometheus.GaugeValue, float64(s.InFlight()))
	ch <- prometheus.MustNewConstMetric(srvMemoryUsed, prometheus.GaugeValue, float64(s.MemoryUsed()))
	ch <- prometheus.MustNewConstMetric(srvRefusedConns, prometheus.CounterValue, float64(s.RefusedConns()))
}
