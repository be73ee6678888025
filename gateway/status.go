package gateway

import (
	"time"

	"github.com/harp-rpc/harp/cluster"
)

// Status is a snapshot of the gateway, as /status.json serves it and metrics read it.
type Status struct {
	Time            time.Time     `json:"time"`
	LoadedAt        time.Time     `json:"loaded_at"`
	Reloads         int64         `json:"reloads"`
	ReloadFailures  int64         `json:"reload_failures"`
	LastReloadError string        `json:"last_reload_error,omitempty"`
	RefusedConns    int64         `json:"refused_conns"` // closed for the connection limits
	Pools           []PoolStatus  `json:"pools"`
	Events          []EventStatus `json:"events"`
}

// PoolStatus is one pool's figures.
type PoolStatus struct {
	Name        string          `json:"name"`
	InFlight    int64           `json:"in_flight"`
	MaxInFlight int             `json:"max_in_flight"`
	Overloads   int64           `json:"overloads"`
	Calls       int64           `json:"calls"`
	Retries     int64           `json:"retries"`
	Routable    int             `json:"routable"`
	Backends    []BackendStatus `json:"backends"`
	// Stats is the cluster's own snapshot, for readers that want every figure.
	Stats cluster.Stats `json:"-"`
}

// BackendStatus is one backend's figures; latencies in milliseconds, MTBF and MTTR in seconds.
type BackendStatus struct {
	URL      string    `json:"url"`
	State    string    `json:"state"`
	Since    time.Time `json:"since"`
	Weight   float64   `json:"weight"`
	Share    float64   `json:"share"` // its share of the pool's calls so far, 0..1
	Calls    int64     `json:"calls"`
	Failures int64     `json:"failures"`
	Faults   int64     `json:"faults"`
	// Outcomes counts its attempts by how each ended, by cluster.Outcome's names ("success",
	// "fault", "not sent", "timeout", ...); outcomes not seen yet are left out.
	Outcomes     map[string]int64 `json:"outcomes"`
	InFlight     int64            `json:"in_flight"`
	Ejections    int64            `json:"ejections"`
	P50ms        float64          `json:"p50_ms"`
	P99ms        float64          `json:"p99_ms"`
	Availability float64          `json:"availability"`
	MTBFs        float64          `json:"mtbf_s"`
	MTTRs        float64          `json:"mttr_s"`
}

// EventStatus is one backend's change of state.
type EventStatus struct {
	Time   time.Time `json:"time"`
	Pool   string    `json:"pool"`
	URL    string    `json:"url"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Reason string    `json:"reason"`
}

// Status returns a snapshot of every pool and the last backend state changes.
func (g *Gateway) Status() Status {
	s := g.state.Load()
	st := Status{Time: time.Now(), LoadedAt: s.loadedAt, Reloads: g.reloads.Load(), ReloadFailures: g.reloadFailures.Load(),
		RefusedConns: g.refusedConns.Load()}
	if r := g.lastReload.Load(); r != nil && r.Err != nil {
		st.LastReloadError = r.Err.Error()
	}
	for _, name := range sortedNames(s.pools) {
		st.Pools = append(st.Pools, poolStatus(s.pools[name]))
	}
	for _, ev := range g.events.last() {
		st.Events = append(st.Events, EventStatus{Time: ev.Time, Pool: ev.Pool, URL: ev.URL, From: ev.From.String(), To: ev.To.String(), Reason: ev.Reason})
	}
	return st
}

func poolStatus(p *pool) PoolStatus {
	cs := p.cluster.Stats()
	ps := PoolStatus{
		Name: p.name, InFlight: p.counters.inFlight.Load(), MaxInFlight: p.cfg.MaxInFlight,
		Overloads: p.counters.overloads.Load(), Calls: cs.Calls, Retries: cs.Retries, Routable: cs.RoutableCount, Stats: cs,
	}
	var total int64
	for _, e := range cs.Endpoints {
		total += e.Calls
	}
	for _, e := range cs.Endpoints {
		b := BackendStatus{
			URL: e.Endpoint.URL, State: e.State.String(), Since: e.Since, Weight: float64(e.Weight) / 100,
			Calls: e.Calls, Failures: e.Failures, Faults: e.Faults, InFlight: e.InFlight, Ejections: e.Ejections,
			P50ms: ms(e.P50), P99ms: ms(e.P99), Availability: e.Availability, MTBFs: e.MTBF.Seconds(), MTTRs: e.MTTR.Seconds(),
		}
		if total > 0 {
			b.Share = float64(e.Calls) / float64(total)
		}
		for o, n := range e.ByOutcome {
			if n > 0 {
				if b.Outcomes == nil {
					b.Outcomes = make(map[string]int64, cluster.NumOutcomes)
				}
				b.Outcomes[cluster.Outcome(o).String()] = n
			}
		}
		ps.Backends = append(ps.Backends, b)
	}
	return ps
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
