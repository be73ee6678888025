package metrics

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/harp-rpc/harp/cluster"
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	poolCalls     = desc("harp_gateway_pool_calls_total", "Calls the pool's cluster made (not attempts).", "pool")
	poolRetries   = desc("harp_gateway_pool_retries_total", "Attempts beyond each call's first.", "pool")
	poolInFlight  = desc("harp_gateway_pool_in_flight", "Calls in flight in the pool.", "pool")
	poolOverloads = desc("harp_gateway_pool_overloads_total", "Calls refused because the pool was full.", "pool")
	beUp          = desc("harp_gateway_backend_up", "1 when the backend takes calls.", "pool", "backend")
	beState       = desc("harp_gateway_backend_state", "1 for the backend's current state.", "pool", "backend", "state")
	beCalls       = desc("harp_gateway_backend_calls_total", "Attempts sent to the backend.", "pool", "backend")
	beFailures    = desc("harp_gateway_backend_failures_total", "Attempts that failed (transport, timeout, 5xx).", "pool", "backend")
	beAttempts    = desc("harp_gateway_backend_attempts_total", "Attempts sent to the backend, by how each ended.", "pool", "backend", "outcome")
	beInFlight    = desc("harp_gateway_backend_in_flight", "Attempts in flight on the backend.", "pool", "backend")
	beWeight      = desc("harp_gateway_backend_weight", "Effective weight (lower during slow start).", "pool", "backend")
	beEjections   = desc("harp_gateway_backend_ejections_total", "Outlier ejections.", "pool", "backend")
	beAvail       = desc("harp_gateway_backend_availability_ratio", "Share of time healthy since it joined.", "pool", "backend")
	beMTBF        = desc("harp_gateway_backend_mtbf_seconds", "Mean time up between failures.", "pool", "backend")
	beMTTR        = desc("harp_gateway_backend_mttr_seconds", "Mean time to recover.", "pool", "backend")
	beLatency     = desc("harp_gateway_backend_latency_seconds", "Latency quantiles since it joined.", "pool", "backend", "quantile")
	reloads       = desc("harp_gateway_reloads_total", "Configuration reloads, applied or refused.", "result")
	refusedConns  = desc("harp_gateway_refused_conns_total", "Connections closed for the connection limits.")
)

// states are every cluster.State's name, for harp_gateway_backend_state.
var states = []cluster.State{
	cluster.StateHealthy, cluster.StateSlowStart, cluster.StateHalfOpen, cluster.StateCircuitOpen,
	cluster.StateEjected, cluster.StateDown, cluster.StateRemoved,
}

// attemptOutcomes are the outcome labels of harp_gateway_backend_attempts_total: cluster.Outcome's
// names, with "_" for spaces ("not_sent").
var attemptOutcomes = func() (names [cluster.NumOutcomes]string) {
	for i := range names {
		names[i] = strings.ReplaceAll(cluster.Outcome(i).String(), " ", "_")
	}
	return names
}()

// poolCollector reads the attached gateway's Status at each scrape.
type poolCollector struct{ m *Gateway }

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolCalls, poolRetries, poolInFlight, poolOverloads, beUp, beState, beCalls,
		beFailures, beAttempts, beInFlight, beWeight, beEjections, beAvail, beMTBF, beMTTR, beLatency, reloads, refusedConns} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	g := c.m.gw.Load()
	if g == nil {
		return
	}
	st := g.Status()
	gauge := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l...)
	}
	counter := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, l...)
	}
	counter(reloads, float64(st.Reloads), "ok")
	counter(reloads, float64(st.ReloadFailures), "refused")
	counter(refusedConns, float64(st.RefusedConns))
	for _, p := range st.Pools {
		counter(poolCalls, float64(p.Calls), p.Name)
		counter(poolRetries, float64(p.Retries), p.Name)
		gauge(poolInFlight, float64(p.InFlight), p.Name)
		counter(poolOverloads, float64(p.Overloads), p.Name)
		for _, e := range p.Stats.Endpoints {
			l := []string{p.Name, e.Endpoint.URL}
			up := 0.0
			if e.State.Up() {
				up = 1
			}
			gauge(beUp, up, l...)
			for _, s := range states {
				v := 0.0
				if s == e.State {
					v = 1
				}
				gauge(beState, v, p.Name, e.Endpoint.URL, s.String())
			}
			counter(beCalls, float64(e.Calls), l...)
			counter(beFailures, float64(e.Failures), l...)
			for o, n := range e.ByOutcome {
				counter(beAttempts, float64(n), p.Name, e.Endpoint.URL, attemptOutcomes[o])
			}
			gauge(beInFlight, float64(e.InFlight), l...)
			gauge(beWeight, float64(e.Weight)/100, l...)
			counter(beEjections, float64(e.Ejections), l...)
			gauge(beAvail, e.Availability, l...)
			gauge(beMTBF, e.MTBF.Seconds(), l...)
			gauge(beMTTR, e.MTTR.Seconds(), l...)
			gauge(beLatency, e.P50.Seconds(), p.Name, e.Endpoint.URL, "0.5")
			gauge(beLatency, e.P99.Seconds(), p.Name, e.Endpoint.URL, "0.99")
		}
	}
}
