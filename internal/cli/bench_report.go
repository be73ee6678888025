package cli

import (
	"encoding/json"
	"io"
	"regexp"
	"time"

	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/internal/loadgen"
)

// localAddr matches the local address of a connection in a net error ("read tcp
// 127.0.0.1:54321->127.0.0.1:8000: ..."), whose ephemeral port differs on every connection.
var localAddr = regexp.MustCompile(`(\[[0-9A-Fa-f:.%]+\]|[0-9.]+):[0-9]+->`)

// groupedError is an error whose message leaves out the local address, so that a run groups one
// cause on one line whatever connection it happened on.
type groupedError struct{ err error }

// Error returns the message without the connection's local address.
func (e *groupedError) Error() string { return localAddr.ReplaceAllString(e.err.Error(), "") }

// Unwrap returns the call's error.
func (e *groupedError) Unwrap() error { return e.err }

// groupable returns err as a groupedError; nil stays nil.
func groupable(err error) error {
	if err == nil {
		return nil
	}
	return &groupedError{err}
}

// benchReport is harp bench --output json's report; durations are in nanoseconds.
type benchReport struct {
	Method      string            `json:"method"`
	URLs        []string          `json:"urls"`
	Concurrency int               `json:"concurrency"`
	Calls       uint64            `json:"calls"`
	Errors      uint64            `json:"errors"`
	ElapsedNS   int64             `json:"elapsed_ns"`
	Rate        float64           `json:"calls_per_second"`
	LatencyNS   map[string]int64  `json:"latency_ns,omitempty"`
	ErrorKinds  map[string]uint64 `json:"error_kinds"`
	Cluster     *clusterReport    `json:"cluster,omitempty"`
}

// clusterReport is a cluster's share of a bench report.
type clusterReport struct {
	Calls         int64            `json:"calls"`
	Retries       int64            `json:"retries"`
	BudgetRefused int64            `json:"budget_refused"`
	Endpoints     []endpointReport `json:"endpoints"`
}

// endpointReport is one endpoint's figures.
type endpointReport struct {
	URL          string  `json:"url"`
	State        string  `json:"state"`
	Attempts     int64   `json:"attempts"`
	Failures     int64   `json:"failures"`
	Ejections    int64   `json:"ejections"`
	Availability float64 `json:"availability"`
	P50NS        int64   `json:"p50_ns"`
	P99NS        int64   `json:"p99_ns"`
}

// writeBenchJSON writes a run's report as one indented JSON object.
func writeBenchJSON(w io.Writer, o *benchOptions, res *loadgen.Result, clu *cluster.Cluster) error {
	r := benchReport{
		Method: o.method, URLs: o.urls, Concurrency: o.concurrency, Calls: res.Calls, Errors: res.Errors,
		ElapsedNS: int64(res.Elapsed), Rate: res.Rate(), ErrorKinds: res.ErrorKind,
	}
	if h := res.Latency; h.Count() > 0 {
		q := func(f float64) int64 { return int64(h.Quantile(f)) }
		r.LatencyNS = map[string]int64{
			"min": int64(h.Min()), "p50": q(0.5), "p90": q(0.9), "p99": q(0.99), "p99.9": q(0.999),
			"max": int64(h.Max()), "mean": int64(h.Mean()),
		}
	}
	if clu != nil {
		st := clu.Stats()
		cr := &clusterReport{Calls: int64(st.Calls), Retries: int64(st.Retries), BudgetRefused: int64(st.BudgetRefused)}
		for _, e := range st.Endpoints {
			cr.Endpoints = append(cr.Endpoints, endpointReport{
				URL: e.Endpoint.URL, State: e.State.String(), Attempts: e.Calls, Failures: int64(e.Failures),
				Ejections: int64(e.Ejections), Availability: e.Availability,
				P50NS: int64(e.P50 / time.Nanosecond), P99NS: int64(e.P99 / time.Nanosecond),
			})
		}
		r.Cluster = cr
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
